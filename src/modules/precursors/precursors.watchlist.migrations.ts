import type { SqlMigrations } from "../../db/migrate.ts";

/**
 * The node's own watchlist of companies, people and addresses (docs/precursors.md, "Watchlist"). It never
 * crosses the border, so nothing here is ever an envelope. A removed entry is kept, with who removed it, so an
 * old flag still names what it matched; `version` grows with every add and removal (one sequence), so a process
 * sharing the database with others catches up on their edits by reading what is newer than what it has seen.
 */
export const precursorsWatchlistMigrations: SqlMigrations = {
  "2026120220_precursors_watchlist": [
    `CREATE SEQUENCE precursors_watchlist_version`,
    `CREATE TABLE precursors_watchlist (
      id uuid PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('company', 'person', 'address')),
      text text NOT NULL,
      normalised text NOT NULL,
      reason text NOT NULL,
      added_by text NOT NULL,
      created_at timestamptz NOT NULL,
      removed_by text,
      removed_at timestamptz,
      version bigint NOT NULL DEFAULT nextval('precursors_watchlist_version')
    )`,
    `CREATE INDEX precursors_watchlist_live ON precursors_watchlist (kind, normalised) WHERE removed_at IS NULL`,
    `CREATE INDEX precursors_watchlist_by_version ON precursors_watchlist (version)`,
  ],
};
