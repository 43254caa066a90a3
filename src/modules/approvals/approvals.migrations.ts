import type { SqlMigrations } from "../../db/migrate.ts";

export const approvalsMigrations: SqlMigrations = {
  "2026112460_approvals": [
    `CREATE TABLE approvals (
      id uuid PRIMARY KEY,
      kind text NOT NULL,
      subject_id text NOT NULL,
      party text NOT NULL,
      agency text NOT NULL,
      requester_id text NOT NULL,
      summary text NOT NULL,
      input jsonb NOT NULL,
      decision jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
      approver_id text,
      basis text,
      created_at timestamptz NOT NULL,
      decided_at timestamptz
    )`,
    `CREATE INDEX approvals_status ON approvals (status, agency, id)`,
    `CREATE INDEX approvals_created ON approvals (created_at)`,
  ],
};
