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
  // Issue 22: the deputy head's determination and measures (ACA direction 1(3)), and the gate's refusals, so the
  // yearly report counts what the gate decided. A refusal keeps no content: who, which agency, which rules.
  "2026120210_approvals_determination": [
    `ALTER TABLE approvals ADD COLUMN determination text`,
    `ALTER TABLE approvals ADD COLUMN measures jsonb`,
    `CREATE TABLE compliance_refusals (
      id uuid PRIMARY KEY,
      subject_id text NOT NULL,
      party text NOT NULL,
      agency text NOT NULL,
      kind text NOT NULL,
      requester_id text NOT NULL,
      policies jsonb NOT NULL,
      created_at timestamptz NOT NULL
    )`,
    `CREATE INDEX compliance_refusals_created ON compliance_refusals (created_at)`,
  ],
};
