import { type Generated, type Selectable, sql } from "kysely";
import type { Db, DbOrTx } from "../../db/database.ts";
import type { WatchedKind } from "./precursors.names.ts";

/** One watched company, person or address of this node (precursors.watchlist.migrations.ts). */
export interface PrecursorsWatchlistTable {
  id: string;
  kind: WatchedKind;
  /** As the authority wrote it. */
  text: string;
  /** Folded (precursors.names.ts): what the list's search and a reader compare. */
  normalised: string;
  reason: string;
  added_by: string;
  created_at: Date;
  removed_by: string | null;
  removed_at: Date | null;
  /** Set by the database's sequence on insert and on removal (never written here otherwise). */
  version: Generated<string>;
}

declare module "../../db/schema.ts" {
  interface Database {
    precursors_watchlist: PrecursorsWatchlistTable;
  }
}

export type WatchlistRow = Omit<Selectable<PrecursorsWatchlistTable>, "version"> & { version: number };

const COLUMNS = [
  "id",
  "kind",
  "text",
  "normalised",
  "reason",
  "added_by",
  "created_at",
  "removed_by",
  "removed_at",
  "version",
] as const;

const rowOf = (row: Selectable<PrecursorsWatchlistTable>): WatchlistRow => ({ ...row, version: Number(row.version) });

export async function insertWatchedName(
  db: DbOrTx,
  row: Omit<Selectable<PrecursorsWatchlistTable>, "version" | "removed_by" | "removed_at">,
): Promise<WatchlistRow> {
  const inserted = await db
    .insertInto("precursors_watchlist")
    .values({ ...row, removed_by: null, removed_at: null })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return rowOf(inserted);
}

/** Marks a live entry removed; undefined when there is no live entry with this id. */
export async function removeWatchedName(
  db: DbOrTx,
  id: string,
  by: string,
  at: Date,
): Promise<WatchlistRow | undefined> {
  const removed = await db
    .updateTable("precursors_watchlist")
    .set({ removed_by: by, removed_at: at, version: sql<string>`nextval('precursors_watchlist_version')` })
    .where("id", "=", id)
    .where("removed_at", "is", null)
    .returning(COLUMNS)
    .executeTakeFirst();
  return removed ? rowOf(removed) : undefined;
}

/** Every live entry, for the index at start. */
export async function liveWatchedNames(db: Db): Promise<WatchlistRow[]> {
  const rows = await db.selectFrom("precursors_watchlist").select(COLUMNS).where("removed_at", "is", null).execute();
  return rows.map(rowOf);
}

/** Entries added or removed after `version` (another process's edits), oldest first. */
export async function watchlistChangesSince(db: Db, version: number): Promise<WatchlistRow[]> {
  const rows = await db
    .selectFrom("precursors_watchlist")
    .select(COLUMNS)
    .where("version", ">", String(version))
    .orderBy("version")
    .execute();
  return rows.map(rowOf);
}

/** How many entries are live and the highest version: whether this process's index is complete. */
export async function watchlistState(db: Db): Promise<{ live: number; version: number }> {
  const row = await db
    .selectFrom("precursors_watchlist")
    .select((eb) => [
      eb.fn.countAll<string>().filterWhere("removed_at", "is", null).as("live"),
      eb.fn.max("version").as("version"),
    ])
    .executeTakeFirstOrThrow();
  return { live: Number(row.live), version: Number(row.version ?? 0) };
}

export interface WatchlistFilter {
  kind?: WatchedKind | undefined;
  /** Folded text the entry's folded text contains. */
  contains?: string | undefined;
  includeRemoved?: boolean | undefined;
  /** Keyset: entries whose id sorts before this one (ids are UUIDv7: newest first). */
  before?: string | undefined;
  limit: number;
}

/** A page of entries, newest first. */
export async function listWatchedNames(db: Db, filter: WatchlistFilter): Promise<WatchlistRow[]> {
  let query = db.selectFrom("precursors_watchlist").select(COLUMNS).orderBy("id", "desc").limit(filter.limit);
  if (filter.kind) query = query.where("kind", "=", filter.kind);
  if (!filter.includeRemoved) query = query.where("removed_at", "is", null);
  if (filter.contains) {
    const escaped = filter.contains.replace(/[\\%_]/g, (c) => `\\${c}`);
    query = query.where("normalised", "like", `%${escaped}%`);
  }
  if (filter.before) query = query.where("id", "<", filter.before);
  const rows = await query.execute();
  return rows.map(rowOf);
}

export async function findWatchedName(db: Db, id: string): Promise<WatchlistRow | undefined> {
  const row = await db.selectFrom("precursors_watchlist").select(COLUMNS).where("id", "=", id).executeTakeFirst();
  return row ? rowOf(row) : undefined;
}

/**
 * Incidents (this module's `precursor_incidents`, sent and received) after `afterId`, oldest first, with what the
 * watchlist takes from them: their kind, date and the entities they name.
 */
export async function incidentsSince(db: Db, afterId: string | undefined) {
  let query = db
    .selectFrom("precursor_incidents")
    .select(["id", "kind", "occurred_on as occurredOn", "entities"])
    .orderBy("id");
  if (afterId) query = query.where("id", ">", afterId);
  return query.execute();
}

export async function incidentCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom("precursor_incidents")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
