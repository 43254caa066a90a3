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
};
