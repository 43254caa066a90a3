import type { SqlMigrations } from "../../db/migrate.ts";

export const federationMigrations: SqlMigrations = {
  "2026112400_federation_foundation": [
    `CREATE TABLE peers (
      party text PRIMARY KEY,
      name text NOT NULL,
      base_url text NOT NULL,
      descriptor jsonb NOT NULL,
      pinned_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    `CREATE TABLE outbox (
      envelope_id uuid PRIMARY KEY,
      peer text NOT NULL,
      type text NOT NULL,
      jwe text NOT NULL,
      digest text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
      attempts integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      queued_at timestamptz NOT NULL,
      next_attempt_at timestamptz NOT NULL,
      lease_until timestamptz,
      last_error_code text,
      last_error text,
      delivered_at timestamptz,
      dead_at timestamptz,
      receipt text
    )`,
    `CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending'`,
    `CREATE INDEX outbox_dead ON outbox (dead_at) WHERE status = 'dead'`,
    `CREATE TABLE delivery_attempts (
      id bigserial PRIMARY KEY,
      envelope_id uuid NOT NULL,
      attempted_at timestamptz NOT NULL,
      outcome text NOT NULL,
      error_code text,
      error text,
      duration_ms integer NOT NULL
    )`,
    `CREATE INDEX delivery_attempts_envelope ON delivery_attempts (envelope_id)`,
    `CREATE TABLE inbox (
      envelope_id uuid PRIMARY KEY,
      from_party text NOT NULL,
      type text NOT NULL,
      digest text NOT NULL UNIQUE,
      jwe text NOT NULL,
      payload jsonb NOT NULL,
      receipt text NOT NULL,
      received_at timestamptz NOT NULL
    )`,
  ],
  // The peers listing counted every envelope ever delivered (a scan of the whole outbox, every 10 s while an
  // administrator has the page open); settling now keeps the running totals here, in the same statement.
  "2026112490_federation_peer_delivery_totals": [
    `CREATE TABLE peer_delivery_totals (
      peer text PRIMARY KEY,
      delivered bigint NOT NULL,
      last_delivered_at timestamptz
    )`,
    `INSERT INTO peer_delivery_totals (peer, delivered, last_delivered_at)
      SELECT peer, count(*), max(delivered_at) FROM outbox WHERE status = 'delivered' GROUP BY peer`,
  ],
};
