/**
 * Approvals module: owns four-eyes approval of escalated disclosures. A module queues an escalated item with
 * `request` inside its own change; an approver of the same party and agency who is not the requester decides
 * with a written basis; the module's registered handler then sends or drops the item inside the approval's
 * change, so decision, outcome and audit record commit together. A case escalated because the mistreatment risk
 * could not be determined is approved only with the deputy head's determination that it can be mitigated and
 * the measures, each verified as attached to the held message (ACA direction 1(3)). Also the gate's refusals
 * (without content) and the yearly mistreatment-risk report built from both.
 */
import { conflict, LiaisonError, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { Mitigation } from "../compliance/compliance.fields.ts";
import type { MitigationCheck } from "../compliance/compliance.mitigations.ts";
import { needsRiskDetermination } from "../compliance/compliance.service.ts";
import type {
  ApprovalOutcome,
  ApprovalRequest,
  Approvals,
  ComplianceDecision,
  ComplianceInput,
  RefusalRecord,
} from "../compliance/compliance.types.ts";
import type { DomainData } from "../compliance/domain-data.ts";
import type { Principal } from "../identity/principal.ts";
import { denied } from "../policy/policy.service.ts";
import type { Authorizer } from "../policy/policy.types.ts";
import {
  type ApprovalRow,
  countEscalationsByAgency,
  findApproval,
  insertApproval,
  insertRefusal,
  listApprovals,
  listDeterminations,
  listRefusals,
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
  /** The gate's own check of measures against the message they protect. */
  compliance: { checkMitigations(measures: readonly Mitigation[], input: ComplianceInput): MitigationCheck[] };
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
      determination: null,
      measures: null,
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

  async recordRefusal(change: ChangeContext, refusal: RefusalRecord): Promise<void> {
    await insertRefusal(change.tx, {
      id: uuidv7(),
      subject_id: refusal.subjectId,
      party: this.deps.party,
      agency: refusal.input.fromAgency,
      kind: refusal.input.kind,
      requester_id: refusal.requester.id,
      policies: refusal.decision.reasons.map((r) => r.policy),
      created_at: change.at,
    });
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
      const determination = this.checkDetermination(row, request);
      await recordApprovalDecision(change.tx, id, {
        status,
        approverId: principal.id,
        basis: request.basis,
        determination: determination.determination,
        measures: determination.measures,
        at: change.at,
      });
      change.audit({
        actor: principal.id,
        action: "approval.decide",
        subject: id,
        outcome: status,
        reasons: decision.reasons,
        requestId,
        details: {
          kind: row.kind,
          subjectId: row.subject_id,
          requester: row.requester_id,
          basis: request.basis,
          determination: determination.determination,
          measures: determination.measures,
        },
      });
      await handler(change, {
        approvalId: id,
        kind: row.kind,
        subjectId: row.subject_id,
        approved: request.approve,
        approver: principal,
        basis: request.basis,
        determination: determination.determination ?? undefined,
        measures: determination.measures ?? undefined,
      });
      return view({
        ...row,
        status,
        approver_id: principal.id,
        basis: request.basis,
        determination: determination.determination,
        measures: determination.measures,
        decided_at: change.at,
      });
    });
  }

  /**
   * Direction 1(3): the deputy head may authorise an undetermined case only on determining that the risk can be
   * mitigated, with the measures taken. So approving one needs that determination and at least one measure,
   * each attached to the held message (what will be sealed is exactly that message). A rejection may record a
   * determination; other escalations need neither.
   */
  private checkDetermination(row: ApprovalRow, request: ApprovalDecisionRequest) {
    const measures = request.measures ?? [];
    const determination = request.determination ?? null;
    if (!needsRiskDetermination(row.decision as ComplianceDecision) || !request.approve) {
      return { determination, measures: measures.length > 0 ? measures : null };
    }
    if (determination !== "risk-can-be-mitigated") {
      throw new LiaisonError(
        "LIAISON_APPROVALS_DETERMINATION_REQUIRED",
        422,
        "the mistreatment risk of this case was not determined: approve only with the determination that it can be mitigated (determination: risk-can-be-mitigated) and the measures",
      );
    }
    if (measures.length === 0) {
      throw new LiaisonError(
        "LIAISON_APPROVALS_MEASURES_REQUIRED",
        422,
        "list the measures that mitigate the risk: a written assurance or caveats attached to the message",
      );
    }
    const unattached = this.deps.compliance
      .checkMitigations(measures, row.input as ComplianceInput)
      .filter((c) => !c.attached);
    if (unattached.length > 0) {
      throw new LiaisonError(
        "LIAISON_APPROVALS_MEASURE_NOT_ATTACHED",
        422,
        `measures not attached to the held message: ${unattached.map((c) => `${c.measure} (${c.why})`).join("; ")}`,
        { unattached },
      );
    }
    return { determination, measures };
  }

  /**
   * What the gate decided for one calendar year, per agency: escalations and how they ended, the deputy head's
   * determinations with their measures, and refusals by rule. These are the figures each deputy head reports to
   * the minister before 1 March of the following year (copies to NSIRA and NSICOP). Every agency of this party
   * under the directions is listed, with zeros where nothing happened.
   */
  async acaReport(year: number) {
    const from = new Date(Date.UTC(year, 0, 1));
    const to = new Date(Date.UTC(year + 1, 0, 1));
    const counted = new Map((await countEscalationsByAgency(this.deps.db, from, to)).map((r) => [r.agency, r]));
    const determinations = await listDeterminations(this.deps.db, from, to);
    const refusals = await listRefusals(this.deps.db, from, to);
    const seen = new Set([...counted.keys(), ...refusals.map((r) => r.agency), ...determinations.map((d) => d.agency)]);
    const agencies = [...this.deps.domain.agencies.values()].filter(
      (a) => a.party === this.deps.party && (a.acaDirections === true || seen.has(a.id)),
    );
    for (const id of seen) {
      if (!agencies.some((a) => a.id === id))
        agencies.push({ id, acronym: id, name: id, lanes: [], party: this.deps.party });
    }
    const byRule = (rows: typeof refusals) => {
      const counts: Record<string, number> = {};
      for (const r of rows) for (const policy of r.policies) counts[policy] = (counts[policy] ?? 0) + 1;
      return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
    };
    const rows = agencies.map((a) => {
      const own = refusals.filter((r) => r.agency === a.id);
      return {
        agency: a.id,
        acronym: a.acronym,
        acaDirections: a.acaDirections === true,
        ...(counted.get(a.id) ?? { escalated: 0, approved: 0, rejected: 0, pending: 0 }),
        refused: own.length,
        refusedRequests: own.filter((r) => r.kind === "request").length,
        refusalsByRule: byRule(own),
        determinations: determinations
          .filter((d) => d.agency === a.id)
          .map((d) => ({
            approvalId: d.id,
            status: d.status,
            determination: d.determination,
            decidedAt: d.decided_at,
            measures: (d.measures as { measure: string }[]).map((m) => m.measure),
          })),
      };
    });
    const total = (key: "escalated" | "approved" | "rejected" | "pending" | "refused") =>
      rows.reduce((n, r) => n + r[key], 0);
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
        refused: total("refused"),
        determinations: determinations.length,
        refusalsByRule: byRule(refusals),
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
  determination: row.determination,
  measures: row.measures,
  createdAt: row.created_at,
  decidedAt: row.decided_at,
});
