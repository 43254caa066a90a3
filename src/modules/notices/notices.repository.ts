import { sql } from "kysely";
import type { Db, DbOrTx } from "../../db/database.ts";

export interface NoticesTable {
  id: string;
  envelope_id: string;
  direction: "outbound" | "inbound";
  from_party: string;
  to_party: string;
  text: string;
  sent_by: string | null;
  created_at: Date;
  /** The caveats it carries; null on notices from before notices were gated. */
  tlp: string | null;
  /** jsonb: a JSON array of H0-H3 codes (written as JSON text, like the exchange's jsonb columns). */
  permitted_use: unknown;
}

declare module "../../db/schema.ts" {
  interface Database {
    notices: NoticesTable;
  }
}

export async function insertNotice(db: DbOrTx, row: NoticesTable): Promise<void> {
  await db
    .insertInto("notices")
    .values({ ...row, permitted_use: row.permitted_use === null ? null : JSON.stringify(row.permitted_use) })
    .execute();
}

/** A batch of notices in one statement, one array per column (unnest), whatever the batch size. */
export async function insertNotices(db: DbOrTx, rows: readonly NoticesTable[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (row: NoticesTable) => T) => rows.map(pick);
  await sql`
    INSERT INTO notices (id, envelope_id, direction, from_party, to_party, text, sent_by, created_at, tlp, permitted_use)
    SELECT id, envelope_id, direction, from_party, to_party, text, sent_by, created_at, tlp, permitted_use::jsonb
    FROM unnest(
      ${column((r) => r.id)}::uuid[], ${column((r) => r.envelope_id)}::uuid[], ${column((r) => r.direction)}::text[],
      ${column((r) => r.from_party)}::text[], ${column((r) => r.to_party)}::text[], ${column((r) => r.text)}::text[],
      ${column((r) => r.sent_by)}::text[], ${column((r) => r.created_at.toISOString())}::timestamptz[],
      ${column((r) => r.tlp)}::text[],
      ${column((r) => (r.permitted_use === null ? null : JSON.stringify(r.permitted_use)))}::text[]
    ) AS u(id, envelope_id, direction, from_party, to_party, text, sent_by, created_at, tlp, permitted_use)`.execute(
    db,
  );
}

/** Notices, newest first (the delivery state of those sent is federation's: FederationService.deliveryStatus). */
export async function listNotices(
  db: Db,
  options: { direction?: "outbound" | "inbound" | undefined; limit: number; before?: string | undefined },
) {
  let query = db
    .selectFrom("notices as n")
    .select([
      "n.id",
      "n.envelope_id as envelopeId",
      "n.direction",
      "n.from_party as from",
      "n.to_party as to",
      "n.text",
      "n.sent_by as sentBy",
      "n.created_at as createdAt",
      "n.tlp",
      "n.permitted_use as permittedUse",
    ])
    .orderBy("n.id", "desc")
    .limit(options.limit);
  if (options.direction) query = query.where("n.direction", "=", options.direction);
  if (options.before) query = query.where("n.id", "<", options.before);
  return query.execute();
}

export async function countNotices(db: Db, direction: "outbound" | "inbound"): Promise<number> {
  const row = await db
    .selectFrom("notices")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("direction", "=", direction)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
