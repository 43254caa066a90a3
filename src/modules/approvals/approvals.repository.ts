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
  created_at: Date;
  decided_at: Date | null;
}

declare module "../../db/schema.ts" {
  interface Database {
    approvals: ApprovalsTable;
  }
}

export type ApprovalRow = ApprovalsTable;

/** jsonb comes back parsed from pg and as text from some drivers; accept both. */
const parsed = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);
const normalise = (row: ApprovalRow): ApprovalRow => ({
  ...row,
  input: parsed(row.input),
  decision: parsed(row.decision),
});

export async function insertApproval(db: DbOrTx, row: ApprovalRow): Promise<void> {
  await db
    .insertInto("approvals")
    .values({ ...row, input: JSON.stringify(row.input), decision: JSON.stringify(row.decision) })
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
  options: { status?: ApprovalRow["status"] | undefined; agency?: string | undefined; limit: number },
) {
  let query = db.selectFrom("approvals").selectAll().orderBy("id", "desc").limit(options.limit);
  if (options.status) query = query.where("status", "=", options.status);
  if (options.agency) query = query.where("agency", "=", options.agency);
  return (await query.execute()).map(normalise);
}

export async function recordApprovalDecision(
  db: DbOrTx,
  id: string,
  decision: { status: "approved" | "rejected"; approverId: string; basis: string; at: Date },
): Promise<void> {
  await db
    .updateTable("approvals")
    .set({ status: decision.status, approver_id: decision.approverId, basis: decision.basis, decided_at: decision.at })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .execute();
}

/** Escalations created in [from, to) per agency, with how they ended. */
export async function countEscalationsByAgency(db: DbOrTx, from: Date, to: Date) {
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
