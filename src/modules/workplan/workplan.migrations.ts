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
  // What each event competes on (workplan.lamport.ts eventTarget), so the receiver can ask, with an index, the
  // highest Lamport value an author has shown for a target. Existing rows get the same value eventTarget gives.
  "2026120214_workplan_event_target": [
    `ALTER TABLE workplan_events ADD COLUMN target text`,
    `UPDATE workplan_events SET target = CASE kind
      WHEN 'proposal.create' THEN CASE body->'change'->>'field'
        WHEN 'milestone.dueDate' THEN 'milestone:' || (body->'change'->>'milestoneId') || ':dueDate'
        WHEN 'milestone.add' THEN 'proposal:' || (body->>'id')
        WHEN 'initiative.add' THEN 'initiative:' || (body->>'initiativeId') || ':add'
        ELSE 'initiative:' || (body->>'initiativeId') || ':' || (body->'change'->>'field') END
      WHEN 'progress.add' THEN 'initiative:' || (body->>'initiativeId') || ':progress'
      WHEN 'initiative.health' THEN 'initiative:' || (body->>'initiativeId') || ':health'
      WHEN 'milestone.status' THEN 'milestone:' || (body->>'milestoneId') || ':status'
      WHEN 'milestone.evidence' THEN 'milestone:' || (body->>'milestoneId') || ':evidence'
      WHEN 'review.record' THEN 'reviews'
      WHEN 'action.status' THEN 'action:' || (body->>'actionId') || ':status'
      ELSE 'proposal:' || (body->>'proposalId') END`,
    `UPDATE workplan_events a SET target = p.target FROM workplan_events p
      WHERE a.kind IN ('proposal.accept', 'proposal.reject') AND p.kind = 'proposal.create'
        AND p.id = (a.body->>'proposalId')::uuid`,
    `CREATE INDEX workplan_events_origin_target ON workplan_events (origin, target, lamport)`,
  ],
};
