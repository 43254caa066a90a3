import type { SqlMigrations } from "../../db/migrate.ts";

export const matchingMigrations: SqlMigrations = {
  // Lists are this party's own data: the values are stored normalised and never leave the node in the clear
  // (a run sends blinded group elements only). The values are a table of their own so a 1,000,000-value list is
  // streamed, not one row.
  "2026120220_matching_lists": [
    `CREATE TABLE matching_lists (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      identifier_type text NOT NULL,
      agency text NOT NULL,
      queryable boolean NOT NULL,
      size integer NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL
    )`,
    `CREATE INDEX matching_lists_agency ON matching_lists (agency, id)`,
    `CREATE TABLE matching_list_values (
      list_id uuid NOT NULL REFERENCES matching_lists (id),
      value text NOT NULL,
      PRIMARY KEY (list_id, value)
    )`,
  ],
};
