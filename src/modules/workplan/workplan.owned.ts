import type { z } from "zod";
import { badRequest, forbidden, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { Principal } from "../identity/principal.ts";
import type { EventChange, ReviewRequest } from "./workplan.schema.ts";
import type { WorkplanService } from "./workplan.service.ts";
import type { PlanState } from "./workplan.state.ts";

/**
 * What a party changes on its own, without the other's acceptance: its progress notes, its health reading, the
 * status and evidence of milestones it owns, its action items, and the record of a review it took down.
 */
export class WorkplanContributions {
  constructor(private readonly plan: WorkplanService) {}

  async addProgress(principal: Principal, initiativeId: string, date: string, note: string, requestId?: string) {
    const agencies = await this.plan.leadAgencies(initiativeId);
    await this.plan.authorize(principal, "progress.update", {
      type: "workplan-initiative",
      id: initiativeId,
      agencies,
    });
    const [event] = await this.plan.commit(
      principal,
      "workplan.progress.add",
      initiativeId,
      (state) => {
        requireInitiative(state, initiativeId);
        return [{ kind: "progress.add", initiativeId, date, note }];
      },
      requestId,
    );
    return { id: event?.id, initiativeId, party: this.plan.party, date, note };
  }

  async setHealth(principal: Principal, initiativeId: string, health: "red" | "amber" | "green", requestId?: string) {
    await this.plan.authorize(principal, "review.manage", { type: "workplan-initiative", id: initiativeId });
    await this.plan.commit(
      principal,
      "workplan.initiative.health",
      initiativeId,
      (state) => {
        requireInitiative(state, initiativeId);
        return [{ kind: "initiative.health", initiativeId, health }];
      },
      requestId,
    );
    return { initiativeId, party: this.plan.party, health };
  }

  async setMilestoneStatus(
    principal: Principal,
    milestoneId: string,
    status: "planned" | "in-progress" | "done" | "blocked" | "cancelled",
    requestId?: string,
  ) {
    await this.changeOwnMilestone(principal, milestoneId, "workplan.milestone.status", requestId, {
      kind: "milestone.status",
      milestoneId,
      status,
    });
    return { milestoneId, status };
  }

  async addEvidence(principal: Principal, milestoneId: string, url: string, requestId?: string) {
    await this.changeOwnMilestone(principal, milestoneId, "workplan.milestone.evidence", requestId, {
      kind: "milestone.evidence",
      milestoneId,
      url,
    });
    return { milestoneId, url };
  }

  /** Status and evidence of a milestone: only the party that owns it, and only its lead agencies' people. */
  private async changeOwnMilestone(
    principal: Principal,
    milestoneId: string,
    action: string,
    requestId: string | undefined,
    change: EventChange,
  ) {
    const agencies = await this.plan.milestoneAgencies(milestoneId);
    await this.plan.authorize(principal, "progress.update", {
      type: "workplan-milestone",
      id: milestoneId,
      agencies,
    });
    await this.plan.commit(
      principal,
      action,
      milestoneId,
      (state) => {
        requireOwnMilestone(state, milestoneId, this.plan.party);
        return [change];
      },
      requestId,
    );
  }

  async recordReview(principal: Principal, review: z.infer<typeof ReviewRequest>, requestId?: string) {
    await this.plan.authorize(principal, "review.manage", { type: "workplan-review", id: "new" });
    const actionItems = review.actionItems.map((a) => ({ id: uuidv7(), text: a.text, owner: a.owner, due: a.due }));
    const [event] = await this.plan.commit(
      principal,
      "workplan.review.record",
      "review",
      (state) => {
        const parties = state.agreement?.parties ?? [];
        const stranger = actionItems.find((a) => !parties.includes(a.owner));
        if (stranger)
          throw badRequest("LIAISON_WORKPLAN_CHANGE_INVALID", `${stranger.owner} is not a party to the workplan`);
        return [{ kind: "review.record", ...review, actionItems }];
      },
      requestId,
    );
    return { id: event?.id, ...review, actionItems: actionItems.map((a) => ({ ...a, status: "open" })) };
  }

  async setActionStatus(
    principal: Principal,
    actionId: string,
    status: "open" | "done" | "dropped",
    requestId?: string,
  ) {
    await this.plan.authorize(principal, "progress.update", { type: "workplan-action", id: actionId });
    await this.plan.commit(
      principal,
      "workplan.action.status",
      actionId,
      (state) => {
        requireOwnAction(state, actionId, this.plan.party);
        return [{ kind: "action.status", actionId, status }];
      },
      requestId,
    );
    return { actionId, status };
  }
}

/** The plan's item an edit touches, or a 404 that says which kind was missing. */
export function requireInitiative(state: PlanState, id: string) {
  const found = state.initiatives.find((i) => i.id === id);
  if (!found) throw notFound("LIAISON_WORKPLAN_INITIATIVE_NOT_FOUND", `no initiative ${id}`);
  return found;
}

export function requireOwnMilestone(state: PlanState, id: string, party: string) {
  for (const i of state.initiatives)
    for (const m of i.milestones) {
      if (m.id !== id) continue;
      if (m.owner !== party)
        throw forbidden("LIAISON_WORKPLAN_NOT_OWNER", `milestone ${id} belongs to ${m.owner}; only it may change it`);
      return m;
    }
  throw notFound("LIAISON_WORKPLAN_MILESTONE_NOT_FOUND", `no milestone ${id}`);
}

export function requireOwnAction(state: PlanState, id: string, party: string) {
  for (const r of state.reviews)
    for (const a of r.actionItems) {
      if (a.id !== id) continue;
      if (a.owner !== party)
        throw forbidden("LIAISON_WORKPLAN_NOT_OWNER", `action item ${id} belongs to ${a.owner}; only it may change it`);
      return a;
    }
  throw notFound("LIAISON_WORKPLAN_ACTION_NOT_FOUND", `no action item ${id}`);
}
