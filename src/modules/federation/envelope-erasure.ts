import { sql } from "kysely";
import type { Tx } from "../../db/database.ts";

/**
 * Erasure of an envelope's content once a module has withdrawn what it carried (docs/exchange.md, "Erasure").
 * The digest, receipt and audit leaves stay, so what was sent and received remains provable; the bytes go:
 * - inbox: the stored JWE (this node holds the key that opens it) is emptied and the stored payload's body is
 *   replaced by what the module keeps (`redact`);
 * - outbox: the JWE is emptied once delivered. A pending one is still needed for its retries, so it is left
 *   and erased when the peer confirms (the caller asks again then).
 * Returns what was erased, for the audit record.
 */
export async function eraseEnvelopeContent(
  tx: Tx,
  envelopeId: string,
  redact: (body: unknown) => unknown,
): Promise<{ inbox: boolean; outbox: "erased" | "pending" | "none" }> {
  const received = await tx
    .selectFrom("inbox")
    .select("payload")
    .where("envelope_id", "=", envelopeId)
    .forUpdate()
    .executeTakeFirst();
  if (received) {
    const payload = (typeof received.payload === "string" ? JSON.parse(received.payload) : received.payload) as {
      body?: unknown;
    };
    await tx
      .updateTable("inbox")
      .set({ jwe: "", payload: JSON.stringify({ ...payload, body: redact(payload.body) }) })
      .where("envelope_id", "=", envelopeId)
      .execute();
  }
  const sent = await sql<{ status: string }>`
    UPDATE outbox SET jwe = CASE WHEN status = 'delivered' THEN '' ELSE jwe END
    WHERE envelope_id = ${envelopeId} RETURNING status`.execute(tx);
  const status = sent.rows[0]?.status;
  return {
    inbox: received !== undefined,
    outbox: status === undefined ? "none" : status === "delivered" ? "erased" : "pending",
  };
}
