import type { SqlMigrations } from "../../db/migrate.ts";

/** JSON columns are jsonb on both databases; the search vector is generated, so it cannot drift from the text. */
export const exchangeMigrations: SqlMigrations = {
  "2026112420_exchange_threads": [
    `CREATE TABLE exchange_threads (
      id uuid PRIMARY KEY,
      lane text NOT NULL,
      subject text NOT NULL,
      direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
      peer_party text NOT NULL,
      from_agency text,
      to_agency text,
      assigned_agency text,
      assignee text,
      priority text,
      started_at timestamptz NOT NULL,
      acknowledge_by timestamptz,
      respond_by timestamptz,
      acknowledged_at timestamptz,
      responded_at timestamptz,
      created_by text,
      created_at timestamptz NOT NULL,
      last_message_at timestamptz NOT NULL
    )`,
    `CREATE INDEX exchange_threads_direction_due ON exchange_threads (direction, respond_by, id)`,
    `CREATE INDEX exchange_threads_assigned ON exchange_threads (assigned_agency, respond_by)`,
    `CREATE TABLE exchange_messages (
      id uuid PRIMARY KEY,
      thread_id uuid NOT NULL REFERENCES exchange_threads (id),
      envelope_id uuid UNIQUE,
      direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
      kind text NOT NULL,
      status text NOT NULL,
      text text NOT NULL,
      search_text text NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED,
      entities jsonb NOT NULL,
      tlp text NOT NULL,
      permitted_use jsonb NOT NULL,
      handling_note text,
      legal_bases jsonb NOT NULL,
      personal_data boolean NOT NULL,
      data_subjects jsonb NOT NULL,
      grading text,
      retention_until date,
      priority text,
      from_agency text,
      to_agency text,
      sent_by text NOT NULL,
      recipients jsonb NOT NULL,
      response_type text,
      refusal_reason text,
      refers_to uuid,
      consent_granted boolean,
      onward_recipient text,
      decision jsonb,
      approval_id text,
      withdrawn_at timestamptz,
      withdrawal_confirmed_at timestamptz,
      created_at timestamptz NOT NULL
    )`,
    `CREATE INDEX exchange_messages_thread ON exchange_messages (thread_id, id)`,
    `CREATE INDEX exchange_messages_tsv ON exchange_messages USING GIN (tsv)`,
    `CREATE TABLE exchange_attachments (
      id uuid PRIMARY KEY,
      message_id uuid NOT NULL REFERENCES exchange_messages (id),
      name text NOT NULL,
      content_type text NOT NULL,
      size integer NOT NULL,
      sha256 text NOT NULL,
      iv bytea NOT NULL,
      ciphertext bytea NOT NULL,
      tag bytea NOT NULL
    )`,
    `CREATE INDEX exchange_attachments_message ON exchange_attachments (message_id)`,
    `CREATE TABLE exchange_reads (
      message_id uuid NOT NULL REFERENCES exchange_messages (id),
      reader text NOT NULL,
      read_at timestamptz NOT NULL,
      PRIMARY KEY (message_id, reader)
    )`,
    `CREATE TABLE exchange_notifications (
      id uuid PRIMARY KEY,
      recipient text NOT NULL,
      thread_id uuid NOT NULL REFERENCES exchange_threads (id),
      kind text NOT NULL,
      text text NOT NULL,
      created_at timestamptz NOT NULL,
      read_at timestamptz,
      UNIQUE (thread_id, kind, recipient)
    )`,
    `CREATE INDEX exchange_notifications_recipient ON exchange_notifications (recipient, created_at)`,
  ],
  // Search picks its first step from PostgreSQL's estimate of how many messages hold the words
  // (exchange.search.ts). The default statistics follow about 1,000 lexemes: with a vocabulary wider than that,
  // a word in one message in two hundred looked as rare as an identifier. Ten times as many; ANALYZE samples
  // more rows (~10 s for 1M messages). Catalogue only: nothing is rewritten.
  "2026112421_exchange_search_statistics": [`ALTER TABLE exchange_messages ALTER COLUMN tsv SET STATISTICS 1000`],
  // Coded refusal reasons (statistics count by code, never by text), and the agency holding an inbound message
  // after a consented onward move (exchange.onward.ts). Both nullable: existing rows keep their meaning.
  "2026120210_exchange_refusal_code_holder": [
    `ALTER TABLE exchange_messages ADD COLUMN refusal_code text`,
    `ALTER TABLE exchange_messages ADD COLUMN holder_agency text`,
  ],
};
