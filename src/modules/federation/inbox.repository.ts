import { sql } from "kysely";
import type { DbOrTx, Tx } from "../../db/database.ts";

export interface InboxTable {
  envelope_id: string;
  from_party: string;
  type: string;
  digest: string;
  jwe: string;
  payload: unknown;
  receipt: string;
  received_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    inbox: InboxTable;
  }
}

export async function findInboxByDigests(db: DbOrTx, digests: readonly string[]) {
  if (digests.length === 0) return [];
  return db
    .selectFrom("inbox")
    .select(["envelope_id", "digest", "receipt"])
    .where(sql<boolean>`digest = any(${[...digests]}::text[])`)
    .execute();
}

export async function findInboxByIds(db: DbOrTx, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom("inbox")
    .select(["envelope_id", "digest", "receipt"])
    .where(sql<boolean>`envelope_id = any(${[...ids]}::uuid[])`)
    .execute();
}

/**
 * Insert a batch in one statement, skipping ids (or digests) already there; returns the ids this call stored.
 * One array per column (unnest) rather than a VALUES row per envelope: the statement stays small to build and to
 * send whatever the batch size.
 */
export async function insertInboxEnvelopes(tx: Tx, rows: readonly InboxTable[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const column = <T>(pick: (row: InboxTable) => T) => rows.map(pick);
  const inserted = await sql<{ envelope_id: string }>`
    INSERT INTO inbox (envelope_id, from_party, type, digest, jwe, payload, receipt, received_at)
    SELECT * FROM unnest(
      ${column((r) => r.envelope_id)}::uuid[], ${column((r) => r.from_party)}::text[],
      ${column((r) => r.type)}::text[], ${column((r) => r.digest)}::text[], ${column((r) => r.jwe)}::text[],
      ${column((r) => JSON.stringify(r.payload))}::jsonb[], ${column((r) => r.receipt)}::text[],
      ${column((r) => r.received_at.toISOString())}::timestamptz[]
    )
    ON CONFLICT DO NOTHING
    RETURNING envelope_id`.execute(tx);
  return new Set(inserted.rows.map((r) => r.envelope_id));
}

/** Insert unless the id is already there; true when this call stored it. */
export async function insertInboxEnvelope(tx: Tx, row: InboxTable): Promise<boolean> {
  const inserted = await tx
    .insertInto("inbox")
    .values({ ...row, payload: JSON.stringify(row.payload) })
    .onConflict((oc) => oc.doNothing())
    .returning("envelope_id")
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findInboxEnvelope(db: DbOrTx, envelopeId: string) {
  return db.selectFrom("inbox").selectAll().where("envelope_id", "=", envelopeId).executeTakeFirst();
}
