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
    .where("digest", "in", [...digests])
    .execute();
}

export async function findInboxByIds(db: DbOrTx, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom("inbox")
    .select(["envelope_id", "digest", "receipt"])
    .where("envelope_id", "in", [...ids])
    .execute();
}

/** Insert a batch in one statement, skipping ids (or digests) already there; returns the ids this call stored. */
export async function insertInboxEnvelopes(tx: Tx, rows: readonly InboxTable[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await tx
    .insertInto("inbox")
    .values(rows.map((row) => ({ ...row, payload: JSON.stringify(row.payload) })))
    .onConflict((oc) => oc.doNothing())
    .returning("envelope_id")
    .execute();
  return new Set(inserted.map((r) => r.envelope_id));
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
