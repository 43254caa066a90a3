/**
 * Checks of a peer's Lamport values against what this node already holds (docs/workplan.md, "Lamport bounds").
 * The plan sorts events by (lamport, origin, id), so whoever picks those values picks where an event lands in
 * history. A peer's events are therefore accepted only if each one:
 * - is above every Lamport value its author has already shown for the same target, so an author cannot slide a
 *   new event (a rejection) in before one it sent earlier (its acceptance);
 * - answers a proposal with a value above the proposal's own, so an answer sorts after what it answers;
 * - is at most MAX_LAMPORT_LEAD above this node's own clock, so one event cannot push the shared clock to 2^53-1
 *   (after which neither node could stamp an event the other accepts).
 * Pure: the handler loads the facts and applies the verdict.
 */
import { LiaisonError } from "../../core/errors.ts";
import type { WorkplanEvent } from "./workplan.schema.ts";
import { proposalTarget } from "./workplan.state.ts";

/**
 * How far above the receiver's clock an event may be. An honest sender's value is one above the highest it has
 * seen, and everything it has seen is on the receiver too unless it is the sender's own undelivered events: the
 * lead is at most the number of changes the sender made while cut off. A million is weeks of partition; an
 * attacker needs ~9 * 10^9 accepted envelopes to reach 2^53.
 */
export const MAX_LAMPORT_LEAD = 1_000_000;

export interface KnownProposal {
  id: string;
  origin: string;
  lamport: number;
  target: string;
}

/** What an event competes on: the key its author's Lamport values must rise on. Answers take their proposal's. */
export function eventTarget(e: WorkplanEvent, proposals: ReadonlyMap<string, KnownProposal>): string {
  switch (e.kind) {
    case "proposal.create":
      return proposalTarget(e.initiativeId, e.id, e.change);
    case "proposal.accept":
    case "proposal.reject":
      return proposals.get(e.proposalId)?.target ?? `proposal:${e.proposalId}`;
    case "progress.add":
      return `initiative:${e.initiativeId}:progress`;
    case "initiative.health":
      return `initiative:${e.initiativeId}:health`;
    case "milestone.status":
      return `milestone:${e.milestoneId}:status`;
    case "milestone.evidence":
      return `milestone:${e.milestoneId}:evidence`;
    case "review.record":
      return "reviews";
    case "action.status":
      return `action:${e.actionId}:status`;
  }
}

export interface PeerClockFacts {
  /** The highest Lamport value this node holds (0 for none). */
  clock: number;
  /** Per target, the highest Lamport value the author has shown here. */
  shown: ReadonlyMap<string, number>;
  /** The proposals the events answer, as stored here. */
  proposals: ReadonlyMap<string, KnownProposal>;
  lead?: number;
}

const refuse = (code: string, status: number, message: string, details: Record<string, unknown>) =>
  new LiaisonError(code, status, message, details);

/** Throws the first rule an event breaks, in the envelope's order; the envelope is then refused as a whole. */
export function checkPeerClock(events: readonly WorkplanEvent[], facts: PeerClockFacts): void {
  const lead = facts.lead ?? MAX_LAMPORT_LEAD;
  const shown = new Map(facts.shown);
  for (const e of events) {
    const details = { eventId: e.id, lamport: e.lamport };
    if (e.lamport > facts.clock + lead) {
      throw refuse(
        "LIAISON_WORKPLAN_LAMPORT_TOO_FAR",
        400,
        `event ${e.id} has Lamport value ${e.lamport}, more than ${lead} above this node's ${facts.clock}`,
        { ...details, clock: facts.clock, lead },
      );
    }
    if (e.kind === "proposal.accept" || e.kind === "proposal.reject") {
      const proposal = facts.proposals.get(e.proposalId);
      if (!proposal)
        throw refuse(
          "LIAISON_WORKPLAN_PROPOSAL_NOT_FOUND",
          404,
          `event ${e.id} answers proposal ${e.proposalId}, unknown here`,
          details,
        );
      if (proposal.origin === e.origin)
        throw refuse(
          "LIAISON_WORKPLAN_OWN_PROPOSAL",
          403,
          `event ${e.id} answers its author's own proposal ${proposal.id}`,
          details,
        );
      if (e.lamport <= proposal.lamport)
        throw refuse(
          "LIAISON_WORKPLAN_ANSWER_BEFORE_PROPOSAL",
          409,
          `event ${e.id} (Lamport ${e.lamport}) would sort before proposal ${proposal.id} (Lamport ${proposal.lamport})`,
          { ...details, proposalLamport: proposal.lamport },
        );
    }
    const target = eventTarget(e, facts.proposals);
    const before = shown.get(target);
    if (before !== undefined && e.lamport <= before) {
      throw refuse(
        "LIAISON_WORKPLAN_LAMPORT_NOT_ABOVE",
        409,
        `event ${e.id} (Lamport ${e.lamport}) is not above ${before}, which ${e.origin} already showed for ${target}`,
        { ...details, target, shown: before },
      );
    }
    shown.set(target, e.lamport);
  }
}
