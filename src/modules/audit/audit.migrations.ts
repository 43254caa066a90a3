import type { SqlMigrations } from "../../db/migrate.ts";

export const auditMigrations: SqlMigrations = {
  "2026112401_audit_events": [
    `CREATE TABLE audit_events (
      index bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      party text NOT NULL,
      actor text NOT NULL,
      action text NOT NULL,
      subject text,
      outcome text NOT NULL,
      request_id text,
      event jsonb NOT NULL
    )`,
    `CREATE FUNCTION liaison_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION 'LIAISON_AUDIT_APPEND_ONLY: % on % is refused: the table is append-only', TG_OP, TG_TABLE_NAME;
     END $$`,
    `CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION liaison_refuse_change()`,
    `CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION liaison_refuse_change()`,
  ],
  // The Merkle log (RFC 9162). audit_events above stays as the pre-Merkle record; the service imports its rows
  // as the first leaves once, then nothing writes to it again.
  "2026112402_audit_merkle_log": [
    `CREATE TABLE audit_log_head (
      id smallint PRIMARY KEY CHECK (id = 1),
      tree_size bigint NOT NULL,
      frontier bytea NOT NULL,
      legacy_imported bigint NOT NULL DEFAULT 0
    )`,
    `INSERT INTO audit_log_head (id, tree_size, frontier) VALUES (1, 0, ''::bytea)`,
    `CREATE TABLE audit_leaves (
      index bigint PRIMARY KEY,
      at timestamptz NOT NULL,
      actor text NOT NULL,
      action text NOT NULL,
      subject text,
      outcome text NOT NULL,
      data bytea NOT NULL
    )`,
    "CREATE INDEX audit_leaves_actor ON audit_leaves (actor, index)",
    "CREATE INDEX audit_leaves_action ON audit_leaves (action, index)",
    "CREATE INDEX audit_leaves_subject ON audit_leaves (subject, index)",
    "CREATE INDEX audit_leaves_at ON audit_leaves (at)",
    `CREATE TABLE audit_nodes (
      level smallint NOT NULL,
      index bigint NOT NULL,
      hash bytea NOT NULL,
      PRIMARY KEY (level, index)
    )`,
    `CREATE TABLE audit_tree_heads (
      tree_size bigint PRIMARY KEY,
      root_hash bytea NOT NULL,
      issued_at timestamptz NOT NULL,
      signed text NOT NULL
    )`,
    `CREATE TABLE audit_countersignatures (
      witness text NOT NULL,
      tree_size bigint NOT NULL,
      root_hash bytea NOT NULL,
      signed text NOT NULL,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (witness, tree_size)
    )`,
    `CREATE TABLE audit_witnessed_heads (
      origin text NOT NULL,
      tree_size bigint NOT NULL,
      root_hash bytea NOT NULL,
      issued_at timestamptz NOT NULL,
      signed text NOT NULL,
      countersigned text NOT NULL,
      accepted_at timestamptz NOT NULL,
      PRIMARY KEY (origin, tree_size)
    )`,
    `CREATE TABLE audit_alerts (
      id text PRIMARY KEY,
      at timestamptz NOT NULL,
      peer text NOT NULL,
      kind text NOT NULL,
      tree_size bigint,
      detail text NOT NULL
    )`,
    ...[
      "audit_leaves",
      "audit_nodes",
      "audit_tree_heads",
      "audit_countersignatures",
      "audit_witnessed_heads",
      "audit_alerts",
    ].flatMap((table) => [
      `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
           FOR EACH ROW EXECUTE FUNCTION liaison_refuse_change()`,
      `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
           FOR EACH STATEMENT EXECUTE FUNCTION liaison_refuse_change()`,
    ]),
    // The head row moves forward with every append, but is never removed.
    `CREATE TRIGGER audit_log_head_kept BEFORE DELETE ON audit_log_head
       FOR EACH ROW EXECUTE FUNCTION liaison_refuse_change()`,
    `CREATE TRIGGER audit_log_head_no_truncate BEFORE TRUNCATE ON audit_log_head
       FOR EACH STATEMENT EXECUTE FUNCTION liaison_refuse_change()`,
  ],
  // Records are queued in the transaction of the change they record (no lock), then a sequencer appends them as
  // leaves in batches under the head lock: commits no longer queue behind one lock, and the log stays dense. A
  // queued record cannot be updated, and leaves the queue only once it is a leaf (the DELETE guard checks). One row
  // holds all the records of one change, so they become adjacent leaves.
  "2026112480_audit_queue": [
    `CREATE TABLE audit_queue (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      party text NOT NULL,
      events jsonb NOT NULL
    )`,
    "ALTER TABLE audit_leaves ADD COLUMN queue_id bigint",
    "CREATE INDEX audit_leaves_queue_id ON audit_leaves (queue_id) WHERE queue_id IS NOT NULL",
    `CREATE FUNCTION liaison_audit_queue_guard() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'UPDATE' THEN
         RAISE EXCEPTION 'LIAISON_AUDIT_APPEND_ONLY: UPDATE on audit_queue is refused';
       END IF;
       IF NOT EXISTS (SELECT 1 FROM audit_leaves WHERE queue_id = OLD.id) THEN
         RAISE EXCEPTION 'LIAISON_AUDIT_APPEND_ONLY: queued audit record % may leave the queue only as a leaf', OLD.id;
       END IF;
       RETURN OLD;
     END $$`,
    `CREATE TRIGGER audit_queue_guard BEFORE UPDATE OR DELETE ON audit_queue
       FOR EACH ROW EXECUTE FUNCTION liaison_audit_queue_guard()`,
    `CREATE TRIGGER audit_queue_no_truncate BEFORE TRUNCATE ON audit_queue
       FOR EACH STATEMENT EXECUTE FUNCTION liaison_refuse_change()`,
  ],
  // The head row could be set back (a smaller tree_size, or another right edge for the same size) by anyone
  // allowed to UPDATE it, which the appends need: the next appends would then overwrite history from there
  // (leaf and node inserts would collide, or a forked tree would grow). Only forward, then; the legacy import
  // marker too. Deletes and truncates stay refused (2026112402).
  "2026120214_audit_log_head_forward": [
    `CREATE FUNCTION liaison_audit_log_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.id IS DISTINCT FROM OLD.id THEN
         RAISE EXCEPTION 'LIAISON_AUDIT_HEAD_BACKWARDS: the audit log head row cannot change its id';
       END IF;
       IF NEW.tree_size < OLD.tree_size THEN
         RAISE EXCEPTION 'LIAISON_AUDIT_HEAD_BACKWARDS: the audit log head cannot go back from size % to %',
           OLD.tree_size, NEW.tree_size;
       END IF;
       IF NEW.tree_size = OLD.tree_size AND NEW.frontier IS DISTINCT FROM OLD.frontier THEN
         RAISE EXCEPTION 'LIAISON_AUDIT_HEAD_BACKWARDS: the audit log head cannot change the root of size %',
           OLD.tree_size;
       END IF;
       IF NEW.legacy_imported < OLD.legacy_imported THEN
         RAISE EXCEPTION 'LIAISON_AUDIT_HEAD_BACKWARDS: the legacy import marker cannot go back';
       END IF;
       RETURN NEW;
     END $$`,
    `CREATE TRIGGER audit_log_head_forward BEFORE UPDATE ON audit_log_head
       FOR EACH ROW EXECUTE FUNCTION liaison_audit_log_head_forward()`,
  ],
};
