/**
 * The joint plan as a pure function of (genesis, set of events). No I/O, no clock: both nodes compute the same
 * state from the same set whatever order the events arrived in, how often, or after how long a partition.
 * The rules are written out in docs/workplan.md ("Convergence").
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../core/canonical-json.ts";
import type { ProposedChange, WorkplanEvent } from "./workplan.schema.ts";

export interface GenesisInitiative {
  id: string;
  lane: string;
  title: string;
  objective: string;
  leads: Record<string, string[]>;
}
export interface Genesis {
  agreement: { id: string; title: string; parties: string[]; agreedOn: string; place: string; basis: string };
  lanes: Record<string, string>;
  initiatives: GenesisInitiative[];
}

export interface Milestone {
  id: string;
  title: string;
  dueDate: string;
  owner: string;
  status: string;
  evidence: string[];
}
export interface ProgressUpdate {
  id: string;
  party: string;
  date: string;
  note: string;
  actor: string;
  at: string;
}
export interface HistoryEntry {
  proposalId: string;
  field: string;
  proposedBy: { party: string; actor: string; at: string };
  acceptedBy: { party: string; actor: string; at: string };
}
export interface Initiative extends GenesisInitiative {
  scope: string | null;
  status: string;
  /** Each party's own red/amber/green reading; null until it gives one. */
  health: Record<string, string | null>;
  start: string | null;
  end: string | null;
  milestones: Milestone[];
  progress: ProgressUpdate[];
  history: HistoryEntry[];
}
export interface Proposal {
  id: string;
  initiativeId: string;
  change: ProposedChange;
  proposer: string;
  proposedBy: string;
  proposedAt: string;
  status: "proposed" | "accepted" | "rejected" | "superseded";
  decidedByParty: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}
export interface ActionItem {
  id: string;
  text: string;
  owner: string;
  due: string | null;
  status: string;
}
export interface Review {
  id: string;
  party: string;
  recordedBy: string;
  date: string;
  title: string;
  attendees: string[];
  decisions: string[];
  actionItems: ActionItem[];
}
export interface PlanState {
  agreement: Genesis["agreement"] | null;
  lanes: Record<string, string>;
  initiatives: Initiative[];
  proposals: Proposal[];
  reviews: Review[];
}

/** Total order of events: logical time, then origin party, then id. Ties cannot remain (ids are unique). */
export function compareEvents(a: WorkplanEvent, b: WorkplanEvent): number {
  if (a.lamport !== b.lamport) return a.lamport - b.lamport;
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Proposals on the same target compete: at most one may be open at a time. */
export function proposalTarget(initiativeId: string, proposalId: string, change: ProposedChange): string {
  switch (change.field) {
    case "milestone.dueDate":
      return `milestone:${change.milestoneId}:dueDate`;
    case "milestone.add":
      return `proposal:${proposalId}`;
    case "initiative.add":
      return `initiative:${initiativeId}:add`;
    default:
      return `initiative:${initiativeId}:${change.field}`;
  }
}

/**
 * A deep copy with every object's keys in UTF-16 code unit order, as RFC 8785 writes them. Every object enters the
 * plan through here and later changes only assign keys it already has, so the plan's own key order is canonical
 * and JSON.stringify gives its RFC 8785 form ten times faster than a general canonicaliser (planHash).
 */
export function sortedKeys<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) if (source[key] !== undefined) out[key] = sortedKeys(source[key]);
  return out as T;
}

function fromGenesis(genesis: Genesis | null): PlanState {
  if (!genesis) return sortedKeys({ agreement: null, lanes: {}, initiatives: [], proposals: [], reviews: [] });
  const health = Object.fromEntries(genesis.agreement.parties.map((p) => [p, null]));
  return sortedKeys({
    agreement: genesis.agreement,
    lanes: genesis.lanes,
    initiatives: genesis.initiatives.map((i) => ({
      ...i,
      scope: null,
      status: "agreed",
      health: { ...health },
      start: null,
      end: null,
      milestones: [],
      progress: [],
      history: [],
    })),
    proposals: [],
    reviews: [],
  });
}

/**
 * Fold the events, deduplicated by id and sorted by compareEvents, over the genesis plan. An event that breaks
 * a rule (an edit of another party's item, an answer to one's own proposal, a reference to nothing) is skipped,
 * so a forged or stray event changes nothing on either node.
 */
export function computePlan(genesis: Genesis | null, events: Iterable<WorkplanEvent>): PlanState {
  const unique = new Map<string, WorkplanEvent>();
  for (const e of events) if (!unique.has(e.id)) unique.set(e.id, e);
  const fold = planFold(genesis);
  for (const e of [...unique.values()].sort(compareEvents)) fold.apply(e);
  return fold.state;
}

/**
 * The fold itself, open for more: a node that learns events which sort after everything it has applied extends
 * its cached plan instead of recomputing it. `apply` must be given events in compareEvents order, each once.
 */
export function planFold(genesis: Genesis | null): { state: PlanState; apply(e: WorkplanEvent): void } {
  const state = fromGenesis(genesis);
  const initiatives = new Map(state.initiatives.map((i) => [i.id, i]));
  const milestones = new Map<string, Milestone>();
  const proposals = new Map<string, Proposal>();
  const openByTarget = new Map<string, string>();
  const actions = new Map<string, ActionItem>();
  const parties = new Set(state.agreement?.parties ?? []);

  const applyChange = (p: Proposal): boolean => {
    const change = p.change;
    if (change.field === "initiative.add") {
      if (initiatives.has(p.initiativeId)) return false;
      const v = change.value;
      const added: Initiative = sortedKeys({
        id: p.initiativeId,
        lane: v.lane,
        title: v.title,
        objective: v.objective,
        leads: v.leads,
        scope: null,
        status: "agreed",
        health: Object.fromEntries([...parties].map((x) => [x, null])),
        start: v.start,
        end: v.end,
        milestones: [],
        progress: [],
        history: [],
      });
      initiatives.set(added.id, added);
      state.initiatives.push(added);
      return true;
    }
    const initiative = initiatives.get(p.initiativeId);
    if (!initiative) return false;
    switch (change.field) {
      case "milestone.add": {
        const m: Milestone = sortedKeys({ id: p.id, ...change.value, status: "planned", evidence: [] });
        milestones.set(m.id, m);
        initiative.milestones.push(m);
        return true;
      }
      case "milestone.dueDate": {
        const m = milestones.get(change.milestoneId);
        if (!m || !initiative.milestones.includes(m)) return false;
        m.dueDate = change.value;
        return true;
      }
      default:
        (initiative as unknown as Record<string, unknown>)[change.field] = change.value;
        return true;
    }
  };

  const apply = (e: WorkplanEvent): void => {
    switch (e.kind) {
      case "proposal.create": {
        if (!parties.has(e.origin)) break;
        const exists = initiatives.has(e.initiativeId);
        if (e.change.field === "initiative.add" ? exists : !exists) break;
        const target = proposalTarget(e.initiativeId, e.id, e.change);
        // Concurrent proposals on one target: the earlier in the total order stays open, the later is superseded.
        const open = openByTarget.get(target);
        const p: Proposal = sortedKeys({
          id: e.id,
          initiativeId: e.initiativeId,
          change: e.change,
          proposer: e.origin,
          proposedBy: e.actor,
          proposedAt: e.at,
          status: open ? "superseded" : "proposed",
          decidedByParty: null,
          decidedBy: null,
          decidedAt: null,
          reason: open ? `superseded by concurrent proposal ${open}` : null,
        } satisfies Proposal);
        if (!open) openByTarget.set(target, p.id);
        proposals.set(p.id, p);
        state.proposals.push(p);
        break;
      }
      case "proposal.accept":
      case "proposal.reject": {
        const p = proposals.get(e.proposalId);
        if (p?.status !== "proposed" || p.proposer === e.origin || !parties.has(e.origin)) break;
        openByTarget.delete(proposalTarget(p.initiativeId, p.id, p.change));
        Object.assign(p, { decidedByParty: e.origin, decidedBy: e.actor, decidedAt: e.at });
        if (e.kind === "proposal.reject") {
          p.status = "rejected";
          p.reason = e.reason || null;
        } else if (applyChange(p)) {
          p.status = "accepted";
          initiatives.get(p.initiativeId)?.history.push(
            sortedKeys({
              proposalId: p.id,
              field: p.change.field,
              proposedBy: { party: p.proposer, actor: p.proposedBy, at: p.proposedAt },
              acceptedBy: { party: e.origin, actor: e.actor, at: e.at },
            }),
          );
        } else {
          p.status = "superseded";
          p.reason = "no longer applicable when accepted";
        }
        break;
      }
      case "progress.add": {
        const initiative = initiatives.get(e.initiativeId);
        initiative?.progress.push(
          sortedKeys({ id: e.id, party: e.origin, date: e.date, note: e.note, actor: e.actor, at: e.at }),
        );
        break;
      }
      case "initiative.health": {
        const initiative = initiatives.get(e.initiativeId);
        if (initiative && e.origin in initiative.health) initiative.health[e.origin] = e.health;
        break;
      }
      case "milestone.status":
      case "milestone.evidence": {
        const m = milestones.get(e.milestoneId);
        if (!m || m.owner !== e.origin) break;
        if (e.kind === "milestone.status") m.status = e.status;
        else if (!m.evidence.includes(e.url)) m.evidence.push(e.url);
        break;
      }
      case "review.record": {
        if (!parties.has(e.origin) || e.actionItems.some((a) => actions.has(a.id))) break;
        const review: Review = sortedKeys({
          id: e.id,
          party: e.origin,
          recordedBy: e.actor,
          date: e.date,
          title: e.title,
          attendees: e.attendees,
          decisions: e.decisions,
          actionItems: e.actionItems.map((a) => ({ ...a, status: "open" })),
        });
        for (const a of review.actionItems) actions.set(a.id, a);
        // Reviews read in meeting order (then id), whatever order they were recorded in.
        const at = state.reviews.findIndex((r) => r.date > review.date || (r.date === review.date && r.id > review.id));
        state.reviews.splice(at < 0 ? state.reviews.length : at, 0, review);
        break;
      }
      case "action.status": {
        const a = actions.get(e.actionId);
        if (a && a.owner === e.origin) a.status = e.status;
        break;
      }
    }
  };
  return { state, apply };
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of the plan: equal on both nodes once they hold the same events. */
export function planHash(state: PlanState): string {
  return createHash("sha256").update(JSON.stringify(state)).digest("hex");
}

/** The same through the general RFC 8785 canonicaliser: what tests check planHash against. */
export function planHashByCanonicalizer(state: PlanState): string {
  return createHash("sha256").update(canonicalJson(state)).digest("hex");
}
