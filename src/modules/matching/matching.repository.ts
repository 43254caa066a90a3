import { sql } from "kysely";
import type { Db, DbOrTx } from "../../db/database.ts";

export interface MatchingListsTable {
  id: string;
  name: string;
  identifier_type: string;
  agency: string;
  queryable: boolean;
  size: number;
  created_by: string;
  created_at: Date;
}

export interface MatchingListValuesTable {
  list_id: string;
  value: string;
}

declare module "../../db/schema.ts" {
  interface Database {
    matching_lists: MatchingListsTable;
    matching_list_values: MatchingListValuesTable;
  }
}

/** Values per INSERT: one array parameter per batch keeps the statement small whatever the list's size. */
const VALUE_BATCH = 20_000;

export async function insertList(db: DbOrTx, row: MatchingListsTable, values: readonly string[]): Promise<void> {
  await db.insertInto("matching_lists").values(row).execute();
  for (let from = 0; from < values.length; from += VALUE_BATCH) {
    const batch = values.slice(from, from + VALUE_BATCH);
    await sql`INSERT INTO matching_list_values (list_id, value)
      SELECT ${row.id}::uuid, v FROM unnest(${batch}::text[]) AS u(v)`.execute(db);
  }
}

const listColumns = [
  "l.id",
  "l.name",
  "l.identifier_type as identifierType",
  "l.agency",
  "l.queryable",
  "l.size",
  "l.created_by as createdBy",
  "l.created_at as createdAt",
] as const;

/** The lists of the given agencies (the caller's authorization decides which), newest first. */
export async function listLists(db: Db, agencies: readonly string[], limit: number) {
  if (agencies.length === 0) return [];
  return db
    .selectFrom("matching_lists as l")
    .select(listColumns)
    .where("l.agency", "in", agencies)
    .orderBy("l.id", "desc")
    .limit(limit)
    .execute();
}

export async function findList(db: Db, id: string) {
  return db.selectFrom("matching_lists as l").select(listColumns).where("l.id", "=", id).executeTakeFirst();
}

/** A list's values, for a run on this node only. */
export async function listValues(db: Db, id: string): Promise<string[]> {
  const rows = await db.selectFrom("matching_list_values").select("value").where("list_id", "=", id).execute();
  return rows.map((r) => r.value);
}
