import { sql } from "kysely";
import type { DbOrTx } from "../../db/database.ts";

export interface ApprovalsTable {
  id: string;
  kind: string;
  subject_id: string;
  party: string;
  agency: string;
  requester_id: string;
  summary: string;
  input: unknown;
  decision: unknown;
  status: "pending" | "approved" | "rejected";
  approver_id: string | null;
  basis: string | null;
  /** ACA direction 1(3): the deputy head's determination and the measures attached (approved cases). */
  determination: string | null;
  measures: unknown;
  created_at: Date;
  decided_at: Date | null;
}

export interface ComplianceRefusalsTable {
  id: string;
  subject_id: string;
  party: string;
  agency: string;
  kind: string;
  requester_id: string;
  /** The ids of the refusing rules. */
  policies: unknown;
  created_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    approvals: ApprovalsTable;
    compliance_refusals: ComplianceRefusalsTable;
  }
}

export type ApprovalRow = ApprovalsTable;

/** jsonb comes back parsed from pg and as text from some drivers; accept both. */
const parsed = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);
const normalise = (row: ApprovalRow): ApprovalRow => ({
  ...row,
  input: parsed(row.input),
  decision: parsed(row.decision),
  measures: row.measures === null || row.measures === undefined ? null : parsed(row.measures),
});

export async function insertApproval(db: DbOrTx, row: ApprovalRow): Promise<void> {
  await db
    .insertInto("approvals")
    .values({
      ...row,
      input: JSON.stringify(row.input),
      decision: JSON.stringify(row.decision),
      measures: row.measures === null ? null : JSON.stringify(row.measures),
    })
    .execute();
}

export async function findApproval(db: DbOrTx, id: string, options: { lock?: boolean } = {}) {
  let query = db.selectFrom("approvals").selectAll().where("id", "=", id);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? normalise(row) : undefined;
}

export async function listApprovals(
  db: DbOrTx,
  options: {
    status?: ApprovalRow["status"] | undefined;
    agency?: string | undefined;
    kind?: string | undefined;
    limit: number;
  },
) {
  let query = db.selectFrom("approvals").selectAll().orderBy("id", "desc").limit(options.limit);
  if (options.status) query = query.where("status", "=", options.status);
  if (options.kind) query = query.where("kind", "=", options.kind);
  if (options.agency) query = query.where("agency", "=", options.agency);
  return (await query.execute()).map(normalise);
}

export async function recordApprovalDecision(
  db: DbOrTx,
  id: string,
  decision: {
    status: "approved" | "rejected";
    approverId: string;
    basis: string;
    determination: string | null;
    measures: unknown[] | null;
    at: Date;
  },
): Promise<void> {
  await db
    .updateTable("approvals")
    .set({
      status: decision.status,
      approver_id: decision.approverId,
      basis: decision.basis,
      determination: decision.determination,
      measures: decision.measures === null ? null : JSON.stringify(decision.measures),
      decided_at: decision.at,
    })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .execute();
}

/** The pending approvals of one kind about one subject (a role grant waiting for an account). */
export async function findPending(db: DbOrTx, kind: string, subjectId: string) {
  return db
    .selectFrom("approvals")
    .select(["id"])
    .where("kind", "=", kind)
    .where("subject_id", "=", subjectId)
    .where("status", "=", "pending")
    .executeTakeFirst();
}

/** Escalations created in [from, to) per agency, with how they ended (role grants are not escalations). */
export async function countEscalationsByAgency(db: DbOrTx, from: Date, to: Date, notKind: string) {
  const rows = await db
    .selectFrom("approvals")
    .select([
      "agency",
      sql<number>`count(*)`.as("escalated"),
      sql<number>`count(*) filter (where status = 'approved')`.as("approved"),
      sql<number>`count(*) filter (where status = 'rejected')`.as("rejected"),
      sql<number>`count(*) filter (where status = 'pending')`.as("pending"),
    ])
    .where("created_at", ">=", from)
    .where("created_at", "<", to)
    .where("kind", "!=", notKind)
    .groupBy("agency")
    .orderBy("agency")
    .execute();
  return rows.map((r) => ({
    agency: r.agency,
    escalated: Number(r.escalated),
    approved: Number(r.approved),
    rejected: Number(r.rejected),
    pending: Number(r.pending),
  }));
}

/** The approvals decided in [from, to) that carry a determination: the report lists each with its measures. */
export async function listDeterminations(db: DbOrTx, from: Date, to: Date) {
  const rows = await db
    .selectFrom("approvals")
    .select(["id", "agency", "status", "determination", "measures", "decided_at"])
    .where("created_at", ">=", from)
    .where("created_at", "<", to)
    .where("determination", "is not", null)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({ ...r, measures: r.measures === null ? [] : (parsed(r.measures) as unknown[]) }));
}

export async function insertRefusal(db: DbOrTx, row: ComplianceRefusalsTable): Promise<void> {
  await db
    .insertInto("compliance_refusals")
    .values({ ...row, policies: JSON.stringify(row.policies) })
    .execute();
}

/** Refusals in [from, to): agency, kind and the refusing rules of each (counted by rule in the service). */
export async function listRefusals(db: DbOrTx, from: Date, to: Date) {
  const rows = await db
    .selectFrom("compliance_refusals")
    .select(["agency", "kind", "policies"])
    .where("created_at", ">=", from)
    .where("created_at", "<", to)
    .execute();
  return rows.map((r) => ({ agency: r.agency, kind: r.kind, policies: parsed(r.policies) as string[] }));
}
