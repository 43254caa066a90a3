import { sql } from "kysely";
import type { DbOrTx } from "../../db/database.ts";
import { WITNESSING_ACTIONS } from "./audit.schema.ts";

export interface AuditTreeHeadsTable {
  tree_size: number;
  root_hash: Uint8Array;
  issued_at: Date;
  signed: string;
}

/** Countersignatures this node received for its own heads. */
export interface AuditCountersignaturesTable {
  witness: string;
  tree_size: number;
  root_hash: Uint8Array;
  signed: string;
  received_at: Date;
}

/** Heads of a peer's log that this node accepted and countersigned. */
export interface AuditWitnessedHeadsTable {
  origin: string;
  tree_size: number;
  root_hash: Uint8Array;
  issued_at: Date;
  signed: string;
  countersigned: string;
  accepted_at: Date;
}

export interface AuditAlertsTable {
  id: string;
  at: Date;
  peer: string;
  kind: string;
  tree_size: number | null;
  detail: string;
}

declare module "../../db/schema.ts" {
  interface Database {
    audit_tree_heads: AuditTreeHeadsTable;
    audit_countersignatures: AuditCountersignaturesTable;
    audit_witnessed_heads: AuditWitnessedHeadsTable;
    audit_alerts: AuditAlertsTable;
  }
}

/** Insert a head; another process may have signed the same size first, in which case its head is kept. */
export async function insertTreeHead(db: DbOrTx, row: AuditTreeHeadsTable): Promise<AuditTreeHeadsTable> {
  await db
    .insertInto("audit_tree_heads")
    .values(row)
    .onConflict((oc) => oc.column("tree_size").doNothing())
    .execute();
  return (await treeHeadAt(db, row.tree_size)) as AuditTreeHeadsTable;
}

export function treeHeadAt(db: DbOrTx, size: number) {
  return db.selectFrom("audit_tree_heads").selectAll().where("tree_size", "=", size).executeTakeFirst();
}

export function latestTreeHead(db: DbOrTx) {
  return db.selectFrom("audit_tree_heads").selectAll().orderBy("tree_size", "desc").limit(1).executeTakeFirst();
}

/** Sizes of heads issued after `after`, newest first. */
export async function treeHeadSizesAfter(db: DbOrTx, after: number, below: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom("audit_tree_heads")
    .select("tree_size")
    .where("tree_size", ">", after)
    .where("tree_size", "<", below)
    .orderBy("tree_size", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.tree_size));
}

export async function insertCountersignature(db: DbOrTx, row: AuditCountersignaturesTable): Promise<void> {
  await db
    .insertInto("audit_countersignatures")
    .values(row)
    .onConflict((oc) => oc.columns(["witness", "tree_size"]).doNothing())
    .execute();
}

export function lastCountersignature(db: DbOrTx, witness: string) {
  return db
    .selectFrom("audit_countersignatures")
    .selectAll()
    .where("witness", "=", witness)
    .orderBy("tree_size", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** The newest countersignature of each witness. */
export async function latestCountersignatures(db: DbOrTx) {
  const rows = await sql<AuditCountersignaturesTable>`
    SELECT DISTINCT ON (witness) * FROM audit_countersignatures ORDER BY witness, tree_size DESC`.execute(db);
  return rows.rows;
}

export async function insertWitnessedHead(db: DbOrTx, row: AuditWitnessedHeadsTable): Promise<void> {
  await db.insertInto("audit_witnessed_heads").values(row).execute();
}

export function lastWitnessedHead(db: DbOrTx, origin: string) {
  return db
    .selectFrom("audit_witnessed_heads")
    .selectAll()
    .where("origin", "=", origin)
    .orderBy("tree_size", "desc")
    .limit(1)
    .executeTakeFirst();
}

export function witnessedHeadAt(db: DbOrTx, origin: string, size: number) {
  return db
    .selectFrom("audit_witnessed_heads")
    .selectAll()
    .where("origin", "=", origin)
    .where("tree_size", "=", size)
    .executeTakeFirst();
}

export async function insertAlert(db: DbOrTx, row: AuditAlertsTable): Promise<void> {
  await db.insertInto("audit_alerts").values(row).execute();
}

export function listAlerts(db: DbOrTx, limit: number) {
  return db.selectFrom("audit_alerts").selectAll().orderBy("at", "desc").orderBy("id", "desc").limit(limit).execute();
}

/**
 * The oldest leaf from `index` on that is not witnessing's own bookkeeping: what a countersignature at size `index`
 * leaves uncovered and a head should have carried to the witness by now.
 */
export function oldestPendingLeaf(db: DbOrTx, index: number) {
  return db
    .selectFrom("audit_leaves")
    .select(["index", "at"])
    .where("index", ">=", index)
    .where("action", "not in", WITNESSING_ACTIONS)
    .orderBy("index")
    .limit(1)
    .executeTakeFirst();
}

/** The newest alert row of one of `kinds` for a peer: where an episode of the overdue check stands. */
export function latestAlertOf(db: DbOrTx, peer: string, kinds: readonly string[]) {
  return db
    .selectFrom("audit_alerts")
    .selectAll()
    .where("peer", "=", peer)
    .where("kind", "in", kinds)
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** The heads of `origin`'s log this node countersigned, newest first, below `before` (a tree size) when given. */
export function listWitnessedHeads(db: DbOrTx, origin: string, before: number | undefined, limit: number) {
  let query = db
    .selectFrom("audit_witnessed_heads")
    .select(["tree_size", "root_hash", "issued_at", "countersigned", "accepted_at"])
    .where("origin", "=", origin);
  if (before !== undefined) query = query.where("tree_size", "<", before);
  return query.orderBy("tree_size", "desc").limit(limit).execute();
}
