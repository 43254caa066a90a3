import type { SqlMigrations } from "../../db/migrate.ts";

export const cyberMigrations: SqlMigrations = {
  "2026120220_cyber_store": [
    // A TAXII collection. `agency` owns it (its analysts write, its users read); null: every agency user of the
    // party reads it and nobody writes it over TAXII. `last_added_us` is the collection's date_added clock, so
    // that every object stored in it gets a date_added strictly after the one before (TAXII paging depends on it).
    `CREATE TABLE cyber_collections (
      id uuid PRIMARY KEY,
      title text NOT NULL,
      description text,
      alias text UNIQUE,
      agency text,
      default_tlp text NOT NULL,
      last_added_us bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL
    )`,
    // One row per version of a STIX object in a collection. Times are microseconds since the epoch (bigint):
    // JavaScript dates stop at milliseconds, and date_added must be unique per collection.
    `CREATE TABLE cyber_objects (
      collection_id uuid NOT NULL REFERENCES cyber_collections (id),
      stix_id text NOT NULL,
      version_us bigint NOT NULL,
      version text NOT NULL,
      date_added_us bigint NOT NULL,
      type text NOT NULL,
      spec_version text NOT NULL,
      object jsonb NOT NULL,
      tlp text,
      recipients text[] NOT NULL,
      agency text,
      unresolved_refs text[] NOT NULL,
      is_first boolean NOT NULL,
      is_latest boolean NOT NULL,
      added_by text NOT NULL,
      PRIMARY KEY (collection_id, stix_id, version_us),
      UNIQUE (collection_id, date_added_us)
    )`,
    `CREATE INDEX cyber_objects_type ON cyber_objects (collection_id, type, date_added_us)`,
    `CREATE INDEX cyber_objects_unresolved ON cyber_objects USING gin (unresolved_refs)`,
    // TAXII status resources, kept 24 hours (TAXII 2.1 section 4.3).
    `CREATE TABLE cyber_status (
      id uuid PRIMARY KEY,
      collection_id uuid NOT NULL,
      principal text NOT NULL,
      request_us bigint NOT NULL,
      total_count integer NOT NULL,
      successes jsonb NOT NULL,
      failures jsonb NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
    `CREATE INDEX cyber_status_expiry ON cyber_status (expires_at)`,
  ],
};
