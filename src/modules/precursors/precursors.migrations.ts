import type { SqlMigrations } from "../../db/migrate.ts";

export const precursorsMigrations: SqlMigrations = {
  "2026120260_precursors_notifications": [
    // One row per notification, sent or received, holding the current version's content and what the replay of
    // its events says (status, version, replyBy, shipment), so lists filter in SQL. `no-reply` is also derived at
    // read time from `awaiting-reply` and `reply_by`, so a node that was down at the deadline never shows pending.
    `CREATE TABLE precursor_notifications (
      id uuid PRIMARY KEY,
      direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
      exporter_party text NOT NULL,
      importer_party text NOT NULL,
      from_agency text NOT NULL,
      to_agency text,
      reference text NOT NULL,
      cas text NOT NULL,
      content jsonb NOT NULL,
      quantity_dimension text NOT NULL,
      quantity_micro bigint NOT NULL,
      companies text NOT NULL,
      dispatch_date text NOT NULL,
      reply_by timestamptz NOT NULL,
      clock_started_at timestamptz NOT NULL,
      version integer NOT NULL,
      status text NOT NULL,
      shipment text NOT NULL,
      legal_bases jsonb NOT NULL,
      tlp text NOT NULL,
      permitted_use jsonb NOT NULL,
      flags jsonb NOT NULL,
      flag_count integer NOT NULL,
      sent_by text NOT NULL,
      last_envelope_id uuid,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    `CREATE INDEX precursor_notifications_direction ON precursor_notifications (direction, id)`,
    `CREATE INDEX precursor_notifications_cas ON precursor_notifications (cas, id)`,
    `CREATE INDEX precursor_notifications_reply_by ON precursor_notifications (reply_by, id)`,
    `CREATE INDEX precursor_notifications_awaiting ON precursor_notifications (reply_by)
      WHERE status = 'awaiting-reply'`,
    // Dates (dispatch, occurrence) are ISO text: a calendar day, not an instant, read back the same in any zone.
    // Every step, as both nodes hold it: same ids, same times, replayed in (at, id) order.
    `CREATE TABLE precursor_events (
      id uuid PRIMARY KEY,
      notification_id uuid NOT NULL REFERENCES precursor_notifications (id),
      type text NOT NULL,
      at timestamptz NOT NULL,
      by_role text NOT NULL CHECK (by_role IN ('exporter', 'importer', 'system')),
      by_party text,
      actor text,
      version integer NOT NULL,
      details jsonb NOT NULL,
      envelope_id uuid,
      recorded_at timestamptz NOT NULL
    )`,
    `CREATE INDEX precursor_events_notification ON precursor_events (notification_id, at, id)`,
    `CREATE TABLE precursor_incidents (
      id uuid PRIMARY KEY,
      direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
      from_party text NOT NULL,
      to_party text NOT NULL,
      from_agency text NOT NULL,
      to_agency text,
      kind text NOT NULL,
      notification_id uuid,
      substances jsonb NOT NULL,
      occurred_on text NOT NULL,
      place text NOT NULL,
      modus_operandi text,
      entities jsonb NOT NULL,
      summary text NOT NULL,
      legal_bases jsonb NOT NULL,
      tlp text NOT NULL,
      permitted_use jsonb NOT NULL,
      sent_by text NOT NULL,
      envelope_id uuid NOT NULL,
      created_at timestamptz NOT NULL
    )`,
    `CREATE INDEX precursor_incidents_kind ON precursor_incidents (kind, id)`,
    `CREATE INDEX precursor_incidents_notification ON precursor_incidents (notification_id)`,
    // Deadline reminders and no-reply notices for this node's authorities; unique so a sweep that runs twice, or
    // on two processes at once, tells once.
    `CREATE TABLE precursor_reminders (
      id uuid PRIMARY KEY,
      notification_id uuid NOT NULL REFERENCES precursor_notifications (id),
      kind text NOT NULL,
      recipient text NOT NULL,
      text text NOT NULL,
      created_at timestamptz NOT NULL,
      UNIQUE (notification_id, kind, recipient)
    )`,
    `CREATE INDEX precursor_reminders_recipient ON precursor_reminders (recipient, created_at)`,
  ],
  // The company filter by folded words, not by substring: a GIN index answers it over 100,000 notifications
  // (a LIKE over every row took ~300 ms on PGlite). Rows stored before it carry no words; the filter falls back
  // to the substring only for a query with no words left once folded.
  "2026120261_precursors_company_words": [
    `ALTER TABLE precursor_notifications ADD COLUMN company_words text[] NOT NULL DEFAULT '{}'`,
    `CREATE INDEX precursor_notifications_company_words ON precursor_notifications USING gin (company_words)`,
  ],
};
