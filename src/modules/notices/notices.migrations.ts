import type { SqlMigrations } from "../../db/migrate.ts";

export const noticesMigrations: SqlMigrations = {
  "2026112403_notices": [
    `CREATE TABLE notices (
      id uuid PRIMARY KEY,
      envelope_id uuid NOT NULL UNIQUE,
      direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
      from_party text NOT NULL,
      to_party text NOT NULL,
      text text NOT NULL,
      sent_by text,
      created_at timestamptz NOT NULL
    )`,
    `CREATE INDEX notices_direction ON notices (direction, id)`,
  ],
  // Notices pass the compliance gate (issue 13): their caveats travel and are kept on both sides.
  "2026120211_notices_caveats": [
    `ALTER TABLE notices ADD COLUMN tlp text`,
    `ALTER TABLE notices ADD COLUMN permitted_use jsonb`,
  ],
};
