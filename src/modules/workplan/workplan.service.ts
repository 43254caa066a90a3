/**
 * Workplan module: owns the joint workplan replicated on both nodes — agreement, lanes, initiatives, milestones,
 * progress, review meetings and proposals to change agreed content. Every change is a signed event sent to the
 * peer; the plan is a pure function of the set of events (workplan.state.ts), so both nodes converge.
 */
import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import { badRequest, conflict, forbidden, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { FederationService } from "../federation/federation.service.ts";
import type { Principal } from "../identity/principal.ts";
import type { Action } from "../policy/policy.service.ts";
import type { Authorizer } from "../policy/policy.types.ts";
import { PlanCache } from "./workplan.cache.ts";
import { findGenesis, insertGenesis, insertLocalEvents, nextLamport } from "./workplan.repository.ts";
import type { EventChange, ProposedChange, WorkplanEvent } from "./workplan.schema.ts";
import { genesisDigest, loadGenesis } from "./workplan.seed.ts";
import { type Genesis, type PlanState, proposalTarget } from "./workplan.state.ts";
import { WorkplanSync } from "./workplan.sync.ts";

export { WORKPLAN_ENVELOPE_TYPE } from "./workplan.sync.ts";

/** Requests answered on time per lane, from the exchange module when it is there. */
export interface LaneIndicator {
  lane: string;
  /** Requests whose deadline has come. */
  due: number;
  answeredOnTime: number;
}
export type IndicatorSource = () => Promise<LaneIndicator[] | null>;

export interface WorkplanDeps {
  db: Db;
  clock: Clock;
  party: string;
  changes: ChangeRunner;
  federation: FederationService;
  authorizer: Authorizer;
  indicators?: IndicatorSource | undefined;
  logger?: Logger | undefined;
  /** Folder of workplan-2026.json and agencies.json (config.domainDir): the genesis plan is read from there. */
  domainDir: string;
}

/** The Cedar actions the workplan asks about (policies/access/workplan.cedar). */
export type WorkplanAction = Extract<
  Action,
  "workplan.read" | "report.read" | "progress.update" | "proposal.create" | "proposal.decide" | "review.manage"
>;

export class WorkplanService {
  private readonly cache: PlanCache;
  readonly sync: WorkplanSync;
  /** The other party of the seeded agreement; a seeded genesis never changes, so once found it is kept. */
  private peerParty: string | undefined;
  constructor(private readonly deps: WorkplanDeps) {
    this.cache = new PlanCache(deps.db);
    this.sync = new WorkplanSync({
      ...deps,
      // Asked by every sync round (ten a second): one query per round until the plan is seeded, none after.
      peer: async () => {
        this.peerParty ??= (await this.genesis())?.agreement.parties.find((p) => p !== deps.party);
        return this.peerParty;
      },
    });
  }

  get party(): string {
    return this.deps.party;
  }

  /** The date reports count "due" and "overdue" from, by the injected clock. */
  today(): string {
    return this.deps.clock.now().toISOString().slice(0, 10);
  }

  /**
   * The one path (policies/access/workplan.cedar), with the Cedar action itself: no aliases, no role table here.
   * `agencies` are this party's lead agencies for the item, so an officer of one of them may report progress on
   * it (policy agency-progress). A refusal is audited with the caller's request id.
   */
  async authorize(
    principal: Principal,
    action: WorkplanAction,
    resource: { type: string; id: string; agencies?: string[] },
  ): Promise<void> {
    const agencies = resource.agencies ?? [];
    const agency = principal.agency && agencies.includes(principal.agency) ? principal.agency : agencies[0];
    await this.deps.authorizer.authorize(principal, action, {
      type: resource.type,
      id: resource.id,
      attributes: { party: this.deps.party, ...(agency ? { agency } : {}) },
    });
  }

  /** This party's lead agencies for an initiative (for the progress policy). */
  async leadAgencies(initiativeId: string): Promise<string[]> {
    const state = await this.state();
    return state.initiatives.find((i) => i.id === initiativeId)?.leads[this.deps.party] ?? [];
  }

  async milestoneAgencies(milestoneId: string): Promise<string[]> {
    const state = await this.state();
    const initiative = state.initiatives.find((i) => i.milestones.some((m) => m.id === milestoneId));
    return initiative?.leads[this.deps.party] ?? [];
  }

  /** Store the genesis plan from the domain files; the same files give the same bytes on both nodes. */
  async seed(dir?: string): Promise<{ agreementId: string; digest: string; seeded: boolean }> {
    const genesis = loadGenesis(dir ?? this.deps.domainDir);
    const digest = genesisDigest(genesis);
    const seeded = await this.deps.changes.run(async (change) => {
      const fresh = await insertGenesis(change.tx, genesis, digest, change.at);
      change.audit({
        actor: `node:${this.deps.party}`,
        action: "workplan.seed",
        subject: genesis.agreement.id,
        outcome: "success",
        details: { digest, fresh },
      });
      return fresh;
    });
    return { agreementId: genesis.agreement.id, digest, seeded };
  }

  async genesis(): Promise<Genesis | null> {
    return (await findGenesis(this.deps.db))?.body ?? null;
  }

  /** The current plan. Shared with the cache: read it, never change it. */
  async state(): Promise<PlanState> {
    return (await this.cache.current()).state;
  }

  async stateHash(): Promise<{ hash: string; events: number }> {
    const current = await this.cache.current();
    return { hash: current.hash(), events: current.events };
  }

  async indicators(): Promise<{ available: boolean; note: string | null; lanes: LaneIndicator[] }> {
    const lanes = this.deps.indicators ? await this.deps.indicators() : null;
    return lanes ? { available: true, note: null, lanes } : { available: false, note: "no exchange data", lanes: [] };
  }

  /** Validate against the current plan, stamp and store in one audited change; then seal for the peer. */
  async commit(
    principal: Principal,
    action: string,
    subject: string,
    build: (state: PlanState) => EventChange[],
    requestId?: string,
  ): Promise<WorkplanEvent[]> {
    const state = await this.state();
    if (!state.agreement) throw conflict("LIAISON_WORKPLAN_NOT_SEEDED", "this node holds no workplan yet");
    const peer = state.agreement.parties.find((p) => p !== this.deps.party);
    if (!peer) throw conflict("LIAISON_WORKPLAN_NOT_SEEDED", "the workplan names no other party");
    const changes = build(state);
    const lamport = await nextLamport(this.deps.db);
    const now = this.deps.clock.now();
    const events = changes.map(
      (c) =>
        ({
          ...c,
          id: uuidv7(now.getTime()),
          origin: this.deps.party,
          lamport,
          at: now.toISOString(),
          actor: principal.id,
        }) as WorkplanEvent,
    );
    await this.deps.changes.run(async (change) => {
      // Restamps the Lamport value under a lock: the one read above may be shared with a concurrent change.
      await insertLocalEvents(change.tx, events, change.at);
      change.audit({
        actor: principal.id,
        action,
        subject,
        outcome: "success",
        requestId,
        details: { events: events.map((e) => `${e.kind}:${e.id}`) },
      });
    });
    // Committed: the peer gets it through the outbox, at once when the link is up (workplan.sync.ts).
    await this.sync.flush().catch(() => undefined);
    return events;
  }

  async propose(principal: Principal, initiativeId: string, change: ProposedChange, requestId?: string) {
    await this.authorize(principal, "proposal.create", { type: "workplan-initiative", id: initiativeId });
    const [event] = await this.commit(
      principal,
      "workplan.proposal.create",
      initiativeId,
      (state) => {
        const initiative = state.initiatives.find((i) => i.id === initiativeId);
        if (change.field === "initiative.add") {
          if (initiative) throw conflict("LIAISON_WORKPLAN_INITIATIVE_EXISTS", `initiative ${initiativeId} exists`);
        } else if (!initiative) {
          throw notFound("LIAISON_WORKPLAN_INITIATIVE_NOT_FOUND", `no initiative ${initiativeId}`);
        }
        if (change.field === "milestone.dueDate" && !initiative?.milestones.some((m) => m.id === change.milestoneId))
          throw notFound(
            "LIAISON_WORKPLAN_MILESTONE_NOT_FOUND",
            `no milestone ${change.milestoneId} in ${initiativeId}`,
          );
        if (change.field === "milestone.add" && !state.agreement?.parties.includes(change.value.owner))
          throw badRequest("LIAISON_WORKPLAN_CHANGE_INVALID", `${change.value.owner} is not a party to the workplan`);
        const target = proposalTarget(initiativeId, "new", change);
        const open = state.proposals.find(
          (p) => p.status === "proposed" && proposalTarget(p.initiativeId, p.id, p.change) === target,
        );
        if (open)
          throw conflict("LIAISON_WORKPLAN_PROPOSAL_PENDING", `proposal ${open.id} on the same content is still open`, {
            proposalId: open.id,
          });
        return [{ kind: "proposal.create", initiativeId, change }];
      },
      requestId,
    );
    return { id: (event as WorkplanEvent).id, status: "proposed" as const };
  }

  async decide(
    principal: Principal,
    proposalId: string,
    decision: "accept" | "reject",
    reason = "",
    requestId?: string,
  ) {
    await this.authorize(principal, "proposal.decide", { type: "workplan-proposal", id: proposalId });
    await this.commit(
      principal,
      `workplan.proposal.${decision}`,
      proposalId,
      (state) => {
        const p = state.proposals.find((x) => x.id === proposalId);
        if (!p) throw notFound("LIAISON_WORKPLAN_PROPOSAL_NOT_FOUND", `no proposal ${proposalId}`);
        if (p.proposer === this.deps.party)
          throw forbidden("LIAISON_WORKPLAN_OWN_PROPOSAL", "a proposal is accepted or rejected by the other party");
        if (p.status !== "proposed")
          throw conflict("LIAISON_WORKPLAN_PROPOSAL_CLOSED", `proposal ${proposalId} is already ${p.status}`);
        return decision === "accept"
          ? [{ kind: "proposal.accept", proposalId }]
          : [{ kind: "proposal.reject", proposalId, reason }];
      },
      requestId,
    );
    const after = (await this.state()).proposals.find((x) => x.id === proposalId);
    return { id: proposalId, status: after?.status ?? "proposed" };
  }

  async proposals(status?: string) {
    const state = await this.state();
    return state.proposals.filter((p) => !status || p.status === status);
  }
}
