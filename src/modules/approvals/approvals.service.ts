/**
 * Approvals module: owns four-eyes approval of escalated disclosures. A module queues an escalated item with
 * `request` inside its own change; an approver of the same party and agency who is not the requester decides
 * with a written basis; the module's registered handler then sends or drops the item inside the approval's
 * change, so decision, outcome and audit record commit together. Also the yearly mistreatment-risk report.
 */
import { conflict, LiaisonError, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { ApprovalOutcome, ApprovalRequest, Approvals } from "../compliance/compliance.types.ts";
import type { DomainData } from "../compliance/domain-data.ts";
import type { Principal } from "../identity/principal.ts";
import { denied } from "../policy/policy.service.ts";
import type { Authorizer } from "../policy/policy.types.ts";
import {
  type ApprovalRow,
  countEscalationsByAgency,
  findApproval,
  insertApproval,
  listApprovals,
  recordApprovalDecision,
} from "./approvals.repository.ts";
import type { ApprovalDecisionRequest } from "./approvals.schema.ts";

type Handler = (change: ChangeContext, outcome: ApprovalOutcome) => Promise<void>;

export interface ApprovalsDeps {
  db: Db;
  party: string;
  changes: ChangeRunner;
  policy: Authorizer;
  domain: DomainData;
}

const NOT_FOUND = { code: "LIAISON_APPROVALS_NOT_FOUND", message: "no approval with that id" };

export class ApprovalsService implements Approvals {
  private readonly handlers = new Map<string, Handler>();

  constructor(private readonly deps: ApprovalsDeps) {}

  onDecided(kind: string, handler: Handler): void {
    if (this.handlers.has(kind)) throw new Error(`an approval handler for ${kind} is already registered`);
    this.handlers.set(kind, handler);
  }

  async request(change: ChangeContext, request: ApprovalRequest): Promise<{ approvalId: string }> {
    if (!this.handlers.has(request.kind)) {
      throw new LiaisonError("LIAISON_APPROVALS_NO_HANDLER", 500, `no approval handler for ${request.kind}`);
    }
    const approvalId = uuidv7();
    await insertApproval(change.tx, {
      id: approvalId,
      kind: request.kind,
      subject_id: request.subjectId,
      party: this.deps.party,
      agency: request.input.fromAgency,
      requester_id: request.requester.id,
      summary: request.summary,
      input: request.input,
      decision: request.decision,
      status: "pending",
      approver_id: null,
      basis: null,
      created_at: change.at,
      decided_at: null,
    });
    change.audit({
      actor: request.requester.id,
      action: "approval.request",
      subject: approvalId,
      outcome: "escalate",
      reasons: request.decision.reasons,
      details: { kind: request.kind, subjectId: request.subjectId, agency: request.input.fromAgency },
    });
    return { approvalId };
  }

  async list(principal: Principal, options: { status?: ApprovalRow["status"] | undefined; limit: number }) {
    const agency = principal.role === "approver" ? principal.agency : undefined;
    const rows = await listApprovals(this.deps.db, { ...options, agency });
    return rows.filter((row) => this.readable(principal, row)).map(view);
  }

  async get(principal: Principal, id: string) {
    const row = await findApproval(this.deps.db, id);
    if (!row || !this.readable(principal, row)) throw notFound(NOT_FOUND.code, NOT_FOUND.message);
    return view(row);
  }

  async decide(principal: Principal, id: string, request: ApprovalDecisionRequest, requestId?: string) {
    try {
      return await this.decideInChange(principal, id, request, requestId);
    } catch (error) {
      // A refused attempt to decide (the requester, another role) changes nothing but is itself on the record:
      // four eyes is only worth what its refusals show.
      if (error instanceof LiaisonError && error.status === 403) {
        await this.deps.changes.run(async (change) => {
          change.audit({
            actor: principal.id,
            action: "approval.decide",
            subject: id,
            outcome: "denied",
            reasons: (error.details?.reasons as { policy: string; text: string }[] | undefined) ?? [],
            requestId,
            details: { code: error.code },
          });
        });
      }
      throw error;
    }
  }

  private async decideInChange(principal: Principal, id: string, request: ApprovalDecisionRequest, requestId?: string) {
    return this.deps.changes.run(async (change) => {
      const row = await findApproval(change.tx, id, { lock: true });
      if (!row || !this.readable(principal, row)) throw notFound(NOT_FOUND.code, NOT_FOUND.message);
      const authorization = { principal, action: "approval.decide", resource: resourceOf(row) };
      const decision = this.deps.policy.authorize(authorization);
      if (!decision.allowed) {
        if (decision.reasons.some((r) => r.policy === "approvals-four-eyes")) {
          throw new LiaisonError(
            "LIAISON_APPROVALS_SELF_APPROVAL",
            403,
            "four eyes: the requester of an escalated disclosure cannot decide it",
            { reasons: decision.reasons },
          );
        }
        throw denied(authorization, decision);
      }
      if (row.status !== "pending") {
        throw conflict("LIAISON_APPROVALS_ALREADY_DECIDED", `this approval was already ${row.status}`);
      }
      const handler = this.handlers.get(row.kind);
      if (!handler) {
        throw new LiaisonError("LIAISON_APPROVALS_NO_HANDLER", 500, `no approval handler for ${row.kind}`);
      }
      const status = request.approve ? "approved" : "rejected";
      await recordApprovalDecision(change.tx, id, {
        status,
        approverId: principal.id,
        basis: request.basis,
        at: change.at,
      });
      change.audit({
        actor: principal.id,
        action: "approval.decide",
        subject: id,
        outcome: status,
        reasons: decision.reasons,
        requestId,
        details: { kind: row.kind, subjectId: row.subject_id, requester: row.requester_id, basis: request.basis },
      });
      await handler(change, {
        approvalId: id,
        kind: row.kind,
        subjectId: row.subject_id,
        approved: request.approve,
        approver: principal,
        basis: request.basis,
      });
      return view({ ...row, status, approver_id: principal.id, basis: request.basis, decided_at: change.at });
    });
  }

  /**
   * Escalations and outcomes per agency for one calendar year: the figures each deputy head reports to the
   * minister before 1 March of the following year (copies to NSIRA and NSICOP). Every agency of this party
   * under the directions is listed, with zeros where nothing was escalated.
   */
  async acaReport(year: number) {
    const from = new Date(Date.UTC(year, 0, 1));
    const to = new Date(Date.UTC(year + 1, 0, 1));
    const counted = new Map((await countEscalationsByAgency(this.deps.db, from, to)).map((r) => [r.agency, r]));
    const agencies = [...this.deps.domain.agencies.values()].filter(
      (a) => a.party === this.deps.party && (a.acaDirections === true || counted.has(a.id)),
    );
    for (const id of counted.keys()) {
      if (!agencies.some((a) => a.id === id))
        agencies.push({ id, acronym: id, name: id, lanes: [], party: this.deps.party });
    }
    const rows = agencies.map((a) => ({
      agency: a.id,
      acronym: a.acronym,
      acaDirections: a.acaDirections === true,
      ...(counted.get(a.id) ?? { escalated: 0, approved: 0, rejected: 0, pending: 0 }),
    }));
    const total = (key: "escalated" | "approved" | "rejected" | "pending") => rows.reduce((n, r) => n + r[key], 0);
    return {
      party: this.deps.party,
      year,
      period: { from: from.toISOString(), to: to.toISOString() },
      dueBefore: `${year + 1}-03-01`,
      agencies: rows,
      totals: {
        escalated: total("escalated"),
        approved: total("approved"),
        rejected: total("rejected"),
        pending: total("pending"),
      },
    };
  }

  private readable(principal: Principal, row: ApprovalRow): boolean {
    return this.deps.policy.authorize({ principal, action: "approval.read", resource: resourceOf(row) }).allowed;
  }
}

const resourceOf = (row: ApprovalRow) => ({
  type: "approval",
  id: row.id,
  attributes: { party: row.party, agency: row.agency, requester: row.requester_id },
});

const view = (row: ApprovalRow) => ({
  id: row.id,
  kind: row.kind,
  subjectId: row.subject_id,
  party: row.party,
  agency: row.agency,
  requester: row.requester_id,
  summary: row.summary,
  input: row.input,
  decision: row.decision,
  status: row.status,
  approver: row.approver_id,
  basis: row.basis,
  createdAt: row.created_at,
  decidedAt: row.decided_at,
});
