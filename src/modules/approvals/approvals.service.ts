/**
 * Approvals module: owns four-eyes approval of escalated disclosures. A module queues an escalated item with
 * `request` inside its own change; an approver of the same party and agency who is not the requester decides
 * with a written basis; the module's registered handler then sends or drops the item inside the approval's
 * change, so decision, outcome and audit record commit together. A case escalated because the mistreatment risk
 * could not be determined is approved only with the deputy head's determination that it can be mitigated and
 * the measures, each verified as attached to the held message (ACA direction 1(3)). Also the gate's refusals
 * (without content) and the yearly mistreatment-risk report built from both.
 *
 * Four eyes per person, not per account: grants of the approver, auditor and administrator roles wait here for
 * a second administrator (`requestRoleGrant`, kind identity.role-grant), and no approval of any kind is decided
 * by someone who created or last changed the requester's account, or whose account the requester created or
 * last changed (policy approvals-account-links, policies/access/oversight.cedar).
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
import type { Authorizer } from "../policy/policy.types.ts";
import {
  type ApprovalRow,
  countEscalationsByAgency,
  findApproval,
  findPending,
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
  /**
   * Who created and who last changed each account (the identity module's answer; ids without an account, such
   * as API tokens, are absent). Without it only the requester itself is kept from deciding.
   */
  accountChangers?: ((ids: string[]) => Promise<Map<string, string[]>>) | undefined;
}

/** Approvals of a grant (or change) of the approver, auditor or administrator role. */
export const ROLE_GRANT_KIND = "identity.role-grant";

/** What a role grant waiting for a second administrator holds. */
export interface RoleGrant {
  userId: string;
  username: string;
  role: string;
  /** Null when the grant comes with the account's creation. */
  previousRole: string | null;
  agency: string | null;
  lanes: string[];
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
    const approvalId = await this.insertPending(change, {
      kind: request.kind,
      subject_id: request.subjectId,
      agency: request.input.fromAgency,
      requester_id: request.requester.id,
      summary: request.summary,
      input: request.input,
      decision: request.decision,
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

  /** Queue a role grant in the identity module's change; the account waits (or keeps its role) until decided. */
  async requestRoleGrant(
    change: ChangeContext,
    requester: { id: string; requestId?: string | undefined },
    grant: RoleGrant,
  ): Promise<{ approvalId: string }> {
    if (!this.handlers.has(ROLE_GRANT_KIND)) {
      throw new LiaisonError("LIAISON_APPROVALS_NO_HANDLER", 500, `no approval handler for ${ROLE_GRANT_KIND}`);
    }
    const reasons = [
      {
        policy: "identity-role-four-eyes",
        text: `Granting the ${grant.role} role${grant.previousRole ? ` (now ${grant.previousRole})` : ""} takes a second administrator's approval.`,
      },
    ];
    const approvalId = await this.insertPending(change, {
      kind: ROLE_GRANT_KIND,
      subject_id: grant.userId,
      agency: grant.agency ?? "",
      requester_id: requester.id,
      summary: `${grant.previousRole ? `change ${grant.username} from ${grant.previousRole} to` : `create ${grant.username} as`} ${grant.role}`,
      input: grant,
      decision: { decision: "four-eyes", reasons },
    });
    change.audit({
      actor: requester.id,
      action: "approval.request",
      subject: approvalId,
      outcome: "four-eyes",
      reasons,
      requestId: requester.requestId,
      details: { kind: ROLE_GRANT_KIND, subjectId: grant.userId, role: grant.role, previousRole: grant.previousRole },
    });
    return { approvalId };
  }

  /** A new pending case: every kind starts undecided, at the change's time, on this party. */
  private async insertPending(
    change: ChangeContext,
    fields: Pick<ApprovalRow, "kind" | "subject_id" | "agency" | "requester_id" | "summary" | "input" | "decision">,
  ): Promise<string> {
    const id = uuidv7();
    await insertApproval(change.tx, {
      ...fields,
      id,
      party: this.deps.party,
      status: "pending",
      approver_id: null,
      basis: null,
      determination: null,
      measures: null,
      created_at: change.at,
      decided_at: null,
    });
    return id;
  }

  /** What a role grant asked for, read in the deciding change (the identity module's handler applies it). */
  async roleGrant(tx: ChangeContext["tx"], approvalId: string): Promise<RoleGrant | undefined> {
    const row = await findApproval(tx, approvalId);
    return row?.kind === ROLE_GRANT_KIND ? (row.input as RoleGrant) : undefined;
  }

  /** The pending role grant of an account, if any (one at a time). */
  async pendingRoleGrant(userId: string): Promise<string | undefined> {
    return (await findPending(this.deps.db, ROLE_GRANT_KIND, userId))?.id;
  }

  async list(
    principal: Principal,
    options: { status?: ApprovalRow["status"] | undefined; kind?: string | undefined; limit: number },
  ) {
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
    // Authorized before the change opens: a refusal (the requester, another role) changes nothing but is itself
    // on the record, and a refusal thrown inside the change would roll its audit record back with it. What the
    // decision depends on (party, agency, requester) never changes once queued; the status is checked again
    // under the row lock below.
    const found = await findApproval(this.deps.db, id);
    if (!found || !this.readable(principal, found)) throw notFound(NOT_FOUND.code, NOT_FOUND.message);
    // Who stands behind each account: the decider's and the requester's creators and last changers.
    const changers = (await this.deps.accountChangers?.([principal.id, found.requester_id])) ?? new Map();
    const decider = { ...principal, accountChangers: changers.get(principal.id) ?? [] };
    const resource = resourceOf(found);
    resource.attributes.requesterChangers = changers.get(found.requester_id) ?? [];
    const decision = await this.deps.policy.authorize(decider, "approval.decide", resource, {
      deniedAs: [
        {
          policies: ["approvals-four-eyes", "role-grant-not-own"],
          code: "LIAISON_APPROVALS_SELF_APPROVAL",
          message: "four eyes: the requester (or the subject of a role grant) cannot decide it",
        },
        {
          policies: ["approvals-account-links"],
          code: "LIAISON_APPROVALS_ACCOUNT_LINK",
          message:
            "four eyes per person: the decider created or last changed the requester's account, or the other way round",
        },
      ],
    });
    return this.deps.changes.run(async (change) => {
      const row = await findApproval(change.tx, id, { lock: true });
      if (!row) throw notFound(NOT_FOUND.code, NOT_FOUND.message);
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
    const counted = new Map(
      (await countEscalationsByAgency(this.deps.db, from, to, ROLE_GRANT_KIND)).map((r) => [r.agency, r]),
    );
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
    return this.deps.policy.permits(principal, "approval.read", resourceOf(row));
  }
}

/** A role grant is its own kind of resource: administrators decide it, not the agency's approvers. */
const resourceOf = (row: ApprovalRow) => {
  const attributes: Record<string, unknown> = { party: row.party, requester: row.requester_id };
  if (row.agency) attributes.agency = row.agency;
  if (row.kind === ROLE_GRANT_KIND) attributes.subject = row.subject_id;
  return { type: row.kind === ROLE_GRANT_KIND ? "role-grant" : "approval", id: row.id, attributes };
};

const view = (row: ApprovalRow) => ({
  id: row.id,
  kind: row.kind,
  subjectId: row.subject_id,
  party: row.party,
  agency: row.agency,
  requester: row.requester_id,
  summary: row.summary,
  input: row.input,
  // jsonb as the service wrote it: the gate's decision, or the four-eyes case of a role grant (ApprovalView).
  decision: row.decision as { decision: string; reasons?: { policy: string; text: string }[] } | null,
  status: row.status,
  approver: row.approver_id,
  basis: row.basis,
  determination: row.determination,
  measures: row.measures,
  createdAt: row.created_at,
  decidedAt: row.decided_at,
});
