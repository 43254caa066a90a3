import type { SqlMigrations } from "../../db/migrate.ts";

export const workplanMigrations: SqlMigrations = {
  "2026112450_workplan_events": [
    `CREATE TABLE workplan_genesis (
      agreement_id text PRIMARY KEY,
      body jsonb NOT NULL,
      digest text NOT NULL,
      seeded_at timestamptz NOT NULL
    )`,
    `CREATE TABLE workplan_events (
      id uuid PRIMARY KEY,
      origin text NOT NULL,
      lamport bigint NOT NULL,
      kind text NOT NULL,
      body jsonb NOT NULL,
      envelope_id uuid,
      recorded_at timestamptz NOT NULL
    )`,
    `CREATE INDEX workplan_events_lamport ON workplan_events (lamport)`,
    `CREATE TABLE workplan_items (
      item_id text PRIMARY KEY,
      owner text NOT NULL
    )`,
  ],
  // A local arrival counter, so a node reads only the events it has not folded into its cached plan yet.
  "2026112451_workplan_event_seq": [
    `ALTER TABLE workplan_events ADD COLUMN seq bigserial`,
    `CREATE INDEX workplan_events_seq ON workplan_events (seq)`,
  ],
  // This node's events not yet sealed for the peer (see WorkplanService.flush).
  "2026112452_workplan_unsent": [
    `CREATE INDEX workplan_events_unsent ON workplan_events (seq) WHERE envelope_id IS NULL`,
  ],
};
