import type { DbOrTx } from "../../db/database.ts";
import type { DirectoryEntry, ListDirectoryUsersQuery } from "./directory.schema.ts";

export interface DirectoryEntriesTable {
  user_id: string;
  party: string;
  origin: "local" | "foreign";
  username: string;
  display_name: string;
  role: string;
  agency: string | null;
  /** JSON array of lane ids: one representation on PGlite and PostgreSQL. */
  lanes: string;
  active: boolean;
  version: number;
  updated_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    directory_entries: DirectoryEntriesTable;
  }
}

export function toEntry(row: DirectoryEntriesTable): DirectoryEntry {
  return {
    userId: row.user_id,
    party: row.party,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    agency: row.agency,
    lanes: JSON.parse(row.lanes) as string[],
    active: row.active,
    version: row.version,
  };
}

export async function findEntry(db: DbOrTx, userId: string) {
  return db.selectFrom("directory_entries").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

/** Insert or replace an entry, but only with a newer version: replays and reordering change nothing. */
export async function upsertEntry(
  db: DbOrTx,
  entry: DirectoryEntry,
  origin: "local" | "foreign",
  at: Date,
): Promise<boolean> {
  const row: DirectoryEntriesTable = {
    user_id: entry.userId,
    party: entry.party,
    origin,
    username: entry.username,
    display_name: entry.displayName,
    role: entry.role,
    agency: entry.agency,
    lanes: JSON.stringify(entry.lanes),
    active: entry.active,
    version: entry.version,
    updated_at: at,
  };
  const { user_id: _id, origin: _origin, ...changes } = row;
  const result = await db
    .insertInto("directory_entries")
    .values(row)
    .onConflict((oc) =>
      oc
        .column("user_id")
        .doUpdateSet(changes)
        .where("directory_entries.version", "<", entry.version)
        .where("directory_entries.origin", "=", origin),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function listEntries(
  db: DbOrTx,
  filter: ListDirectoryUsersQuery & { roles: readonly string[]; origin?: "local" },
) {
  let query = db
    .selectFrom("directory_entries")
    .selectAll()
    .where("active", "=", true)
    .where("role", "in", [...filter.roles])
    .orderBy("party")
    .orderBy("username");
  if (filter.agency) query = query.where("agency", "=", filter.agency);
  if (filter.party) query = query.where("party", "=", filter.party);
  if (filter.role) query = query.where("role", "=", filter.role);
  if (filter.origin) query = query.where("origin", "=", filter.origin);
  const rows = await query.execute();
  const entries = rows.map(toEntry);
  return filter.lane ? entries.filter((e) => e.lanes.includes(filter.lane as string)) : entries;
}

/** Every entry this node owns, active or not: what a full publication to a peer carries. */
export async function listLocalEntries(db: DbOrTx) {
  const rows = await db
    .selectFrom("directory_entries")
    .selectAll()
    .where("origin", "=", "local")
    .orderBy("user_id")
    .execute();
  return rows.map(toEntry);
}
