import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelopeFactory, postBatch } from "../federation/craft.ts";
import { eventually, startTwoNodes, type TestNode } from "../support/nodes.ts";
import { type Actor, actor, allowedMessage, type Message, newThread, type Thread } from "./helpers.ts";

/** Rows of the raw tables, as text, that still hold `needle` anywhere. */
async function rowsHolding(node: TestNode, needle: string) {
  const like = `%${needle}%`;
  const { rows } = await sql<{ place: string; n: string }>`
    SELECT 'exchange_messages' AS place, count(*) AS n FROM exchange_messages
      WHERE text LIKE ${like} OR search_text LIKE ${like} OR entities::text LIKE ${like}
        OR tsv @@ plainto_tsquery('english', ${needle})
    UNION ALL SELECT 'exchange_attachments', count(*) FROM exchange_attachments
      WHERE name LIKE ${like} OR position(convert_to(${needle}, 'UTF8') in ciphertext) > 0
    UNION ALL SELECT 'inbox', count(*) FROM inbox WHERE payload::text LIKE ${like} OR jwe LIKE ${like}
    UNION ALL SELECT 'outbox', count(*) FROM outbox WHERE jwe LIKE ${like}
    UNION ALL SELECT 'audit_leaves', count(*) FROM audit_leaves
      WHERE position(convert_to(${needle}, 'UTF8') in data) > 0`.execute(node.deps.database.db);
  return rows.filter((r) => Number(r.n) > 0).map((r) => r.place);
}

describe("exchange content at rest, erasure on withdrawal, and confirmations checked against state", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let inOfficer: Actor;
  let caOfficer: Actor;
  beforeAll(async () => {
    nodes = await startTwoNodes();
    inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    caOfficer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
  }, 180_000);
  afterAll(async () => nodes?.close());

  const onCanada = (id: string) =>
    eventually(async () => {
      const r = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${id}`, undefined, caOfficer.token);
      return r.status === 200 && r.body;
    });
  const onIndia = async (id: string) =>
    (await nodes.india.api<Thread>("GET", `/api/v1/threads/${id}`, undefined, inOfficer.token)).body;

  async function openThread(message: Record<string, unknown>) {
    const created = await nodes.india.api<Thread>("POST", "/api/v1/threads", newThread({}, message), inOfficer.token);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  it("the inbox keeps no attachment bytes; the attachment is stored encrypted", async () => {
    const secret = `attachment-plaintext-${randomUUID()}`;
    const content = Buffer.from(`consignee,${secret}\n`).toString("base64");
    const sent = await openThread(
      allowedMessage({
        kind: "disclosure",
        attachments: [{ name: "consignees.csv", contentType: "text/csv", content }],
      }),
    );
    const received = await onCanada(sent.id);
    const message = received.messages[0] as Message;
    expect(message.attachments?.[0]?.size).toBe(Buffer.from(content, "base64").length);
    const db = nodes.canada.deps.database.db;
    const { rows } = await sql<{ payload: string }>`
      SELECT payload::text AS payload FROM inbox WHERE envelope_id = ${message.envelopeId}`.execute(db);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.payload).not.toContain(content);
    // The metadata stays, so the stored payload still says what came and with which digest.
    expect(rows[0]?.payload).toContain(message.attachments?.[0]?.sha256);
    expect(await rowsHolding(nodes.canada, secret)).toEqual([]);
    const { rows: base64 } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM inbox WHERE payload::text LIKE ${`%${content}%`}`.execute(db);
    expect(Number(base64[0]?.n)).toBe(0);
  });

  it("withdrawal erases the text, search words, entities, attachments and envelope bytes on both nodes", async () => {
    const word = `zq${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const attachmentSecret = `withdrawn-attachment-${randomUUID()}`;
    const sent = await openThread(
      allowedMessage({
        kind: "disclosure",
        text: `Withdrawable disclosure naming ${word} of Acme Logistics.`,
        entities: [{ type: "organisation", name: `${word} Holdings` }],
        attachments: [
          { name: "notes.txt", contentType: "text/plain", content: Buffer.from(attachmentSecret).toString("base64") },
        ],
      }),
    );
    const original = sent.messages[0] as Message;
    await onCanada(sent.id);
    // Before: the text is where messages live.
    expect(await rowsHolding(nodes.india, word)).toContain("exchange_messages");
    expect(await rowsHolding(nodes.canada, word)).toEqual(expect.arrayContaining(["exchange_messages", "inbox"]));
    const [envelopeBefore] = await nodes.india.deps.database.db
      .selectFrom("outbox")
      .select(["digest"])
      .where("envelope_id", "=", original.envelopeId as string)
      .execute();

    const withdrawal = await nodes.india.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      { kind: "withdrawal", refersTo: original.id },
      inOfficer.token,
    );
    expect(withdrawal.status, JSON.stringify(withdrawal.body)).toBe(201);
    await eventually(async () => {
      const m = (await onIndia(sent.id)).messages.find((x) => x.id === original.id);
      return m?.withdrawalConfirmedAt ? m : undefined;
    });

    for (const node of [nodes.india, nodes.canada]) {
      expect(await rowsHolding(node, word), node.deps.config.party).toEqual([]);
      expect(await rowsHolding(node, attachmentSecret), node.deps.config.party).toEqual([]);
      const db = node.deps.database.db;
      const row = await db
        .selectFrom("exchange_messages")
        .select(["text", "search_text", "entities"])
        .where("id", "=", original.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ text: "", search_text: "", entities: [] });
      const attachments = await db
        .selectFrom("exchange_attachments")
        .select("id")
        .where("message_id", "=", original.id)
        .execute();
      expect(attachments).toEqual([]);
    }
    // The envelope's bytes are gone on both sides; its digest (and the receipt) stay.
    const inbox = await nodes.canada.deps.database.db
      .selectFrom("inbox")
      .select(["jwe", "digest", "receipt"])
      .where("envelope_id", "=", original.envelopeId as string)
      .executeTakeFirstOrThrow();
    expect(inbox.jwe).toBe("");
    expect(inbox.digest).toBe(envelopeBefore?.digest);
    const outbox = await nodes.india.deps.database.db
      .selectFrom("outbox")
      .select(["jwe", "digest", "status"])
      .where("envelope_id", "=", original.envelopeId as string)
      .executeTakeFirstOrThrow();
    expect(outbox).toEqual({ jwe: "", digest: envelopeBefore?.digest, status: "delivered" });
    // The audit leaf of the send keeps the digest of what was sent.
    const sends = await nodes.india.deps.audit.events({
      action: "exchange.message.send",
      subject: original.id,
      limit: 5,
    });
    expect(sends.items[0]?.details?.digest).toBe(envelopeBefore?.digest);
    const erased = await nodes.canada.deps.audit.events({
      action: "exchange.message.erase",
      subject: original.id,
      limit: 5,
    });
    expect(erased.items).toHaveLength(1);
    // Search finds nothing on either side.
    for (const [node, token] of [
      [nodes.india, inOfficer.token],
      [nodes.canada, caOfficer.token],
    ] as const) {
      const search = await node.api<{ items: unknown[] }>("GET", `/api/v1/exchange/search?q=${word}`, undefined, token);
      expect(search.status).toBe(200);
      expect(search.body.items).toEqual([]);
    }
  });

  it("refuses a withdrawal confirmation for a withdrawal India never sent, and changes nothing", {
    timeout: 90_000,
  }, async () => {
    const craft = envelopeFactory(nodes.canada, nodes.india);
    const kept = await openThread(allowedMessage({ kind: "disclosure", text: "Not withdrawn." }));
    const keptMessage = kept.messages[0] as Message;
    await onCanada(kept.id);
    // A real withdrawal on another thread, to borrow its id.
    const other = await openThread(allowedMessage({ kind: "disclosure", text: "Withdrawn for real." }));
    await onCanada(other.id);
    const realWithdrawal = await nodes.india.api<Message>(
      "POST",
      `/api/v1/threads/${other.id}/messages`,
      { kind: "withdrawal", refersTo: other.messages[0]?.id },
      inOfficer.token,
    );
    expect(realWithdrawal.status).toBe(201);
    await eventually(async () => {
      const m = (await onIndia(other.id)).messages[0];
      return m?.withdrawalConfirmedAt ? m : undefined;
    }, 60_000);

    const code = "LIAISON_EXCHANGE_WITHDRAWAL_NOT_SENT";
    const rejected = async () =>
      (await nodes.india.deps.metrics.envelopesRejected.get()).values.find((v) => v.labels.code === code)?.value ?? 0;
    const forged = [
      // No withdrawal at all.
      { threadId: kept.id, messageId: keptMessage.id, withdrawalId: randomUUID() },
      // A real withdrawal of another message, on another thread.
      { threadId: kept.id, messageId: keptMessage.id, withdrawalId: realWithdrawal.body.id },
      // The real withdrawal's own thread, naming the kept message.
      { threadId: other.id, messageId: keptMessage.id, withdrawalId: realWithdrawal.body.id },
    ];
    for (const body of forged) {
      const before = await rejected();
      const payload = craft.payload({ type: "exchange.withdrawal-confirmed", body });
      const response = await postBatch(nodes.india, { envelopes: [await craft.seal(payload)] });
      expect(response.body.results[0]?.error?.code, JSON.stringify(response.body)).toBe(code);
      expect(await rejected()).toBe(before + 1);
      const inbox = await nodes.india.deps.database.db
        .selectFrom("inbox")
        .select("envelope_id")
        .where("envelope_id", "=", payload.id)
        .execute();
      expect(inbox).toEqual([]);
    }
    const after = (await onIndia(kept.id)).messages[0];
    expect(after).toMatchObject({ text: "Not withdrawn.", withdrawalConfirmedAt: null });
    expect(after?.status).not.toBe("withdrawn");
    const audit = await nodes.india.deps.audit.events({ action: "envelope.reject", limit: 50 });
    expect(audit.items.filter((r: { details?: { code?: string } }) => r.details?.code === code).length).toBe(3);
  });
});
