import type { SqlMigrations } from "../../db/migrate.ts";

export const identityMigrations: SqlMigrations = {
  "2026112402_identity_api_tokens": [
    `CREATE TABLE api_tokens (
      token_hash text PRIMARY KEY,
      principal text NOT NULL,
      role text NOT NULL,
      label text NOT NULL,
      created_at timestamptz NOT NULL,
      revoked_at timestamptz
    )`,
  ],
  "2026112411_identity_users_sessions": [
    `CREATE TABLE users (
      id uuid PRIMARY KEY,
      username text NOT NULL UNIQUE,
      display_name text NOT NULL,
      party text NOT NULL,
      agency text,
      role text NOT NULL,
      lanes text NOT NULL,
      password_hash text NOT NULL,
      status text NOT NULL CHECK (status IN ('active', 'disabled')),
      demo boolean NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      password_changed_at timestamptz NOT NULL
    )`,
    `CREATE TABLE sessions (
      token_hash text PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      user_id uuid NOT NULL REFERENCES users (id),
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz
    )`,
    `CREATE INDEX sessions_user ON sessions (user_id, revoked_at)`,
    `CREATE TABLE login_failures (
      username text PRIMARY KEY,
      failures integer NOT NULL,
      locked_until timestamptz,
      last_failure_at timestamptz NOT NULL
    )`,
  ],
  // Failed logins are counted per username AND client (issue 14): nobody elsewhere can lock a user out. The old
  // per-username counters are transient, so they are dropped rather than carried over.
  "2026120241_identity_login_failures_by_client": [
    `DROP TABLE login_failures`,
    `CREATE TABLE login_failures (
      username text NOT NULL,
      client text NOT NULL,
      failures integer NOT NULL,
      locked_until timestamptz,
      last_failure_at timestamptz NOT NULL,
      PRIMARY KEY (username, client)
    )`,
    `CREATE INDEX login_failures_last ON login_failures (last_failure_at)`,
  ],
  // API tokens get an id (to list and revoke them without the secret) and an expiry. Tokens issued before this
  // expire 90 days after the upgrade.
  "2026120242_identity_api_token_expiry": [
    `ALTER TABLE api_tokens ADD COLUMN id uuid`,
    `UPDATE api_tokens SET id = gen_random_uuid()`,
    `ALTER TABLE api_tokens ALTER COLUMN id SET NOT NULL`,
    `CREATE UNIQUE INDEX api_tokens_id ON api_tokens (id)`,
    `ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz`,
    `UPDATE api_tokens SET expires_at = now() + interval '90 days'`,
    `ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL`,
    `ALTER TABLE api_tokens ADD COLUMN revoked_by text`,
  ],
  // Four eyes per person: who created and last changed each account, and accounts waiting for a second
  // administrator's approval of their role (docs/identity.md).
  "2026120250_identity_account_changes": [
    "ALTER TABLE users ADD COLUMN created_by text",
    "ALTER TABLE users ADD COLUMN updated_by text",
    "ALTER TABLE users DROP CONSTRAINT users_status_check",
    "ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'disabled', 'pending'))",
  ],
  // Second factor (TOTP, docs/identity.md): one factor per account, its secret sealed with the node's key; the last
  // time step used, so no code is accepted twice; recovery codes as hashes; the challenge between password and
  // code; and a session scope, for administrators and approvers signed in only to enrol.
  "2026120260_identity_second_factor": [
    `CREATE TABLE totp_factors (
      user_id uuid PRIMARY KEY REFERENCES users (id),
      secret_sealed text NOT NULL,
      created_at timestamptz NOT NULL,
      confirmed_at timestamptz,
      last_used_step bigint
    )`,
    `CREATE TABLE recovery_codes (
      user_id uuid NOT NULL REFERENCES users (id),
      code_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      used_at timestamptz,
      PRIMARY KEY (user_id, code_hash)
    )`,
    `CREATE TABLE login_challenges (
      token_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id),
      client text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      attempts integer NOT NULL,
      used_at timestamptz
    )`,
    `CREATE INDEX login_challenges_expiry ON login_challenges (expires_at)`,
    `ALTER TABLE sessions ADD COLUMN scope text NOT NULL DEFAULT 'full' CHECK (scope IN ('full', 'totp-enrolment'))`,
  ],
  // When each account last signed in, for the access review (GET /api/v1/users/access-review).
  "2026120261_identity_last_sign_in": ["ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz"],
};
