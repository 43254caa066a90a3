import type { SqlMigrations } from "../../db/migrate.ts";

export const directoryMigrations: SqlMigrations = {
  "2026112410_directory_entries": [
    `CREATE TABLE directory_entries (
      user_id uuid PRIMARY KEY,
      party text NOT NULL,
      origin text NOT NULL CHECK (origin IN ('local', 'foreign')),
      username text NOT NULL,
      display_name text NOT NULL,
      role text NOT NULL,
      agency text,
      lanes text NOT NULL,
      active boolean NOT NULL,
      version integer NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    `CREATE INDEX directory_entries_agency ON directory_entries (agency, active)`,
  ],
};
