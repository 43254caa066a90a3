import { forbidden } from "../../core/errors.ts";
import type { EnvelopeHandler } from "../federation/envelope-handlers.ts";
import { checkPeerClock, eventTarget } from "./workplan.lamport.ts";
import {
  answeredProposals,
  insertEvents,
  nextLamport,
  ownersOf,
  proposalsById,
  shownLamports,
  storedEventIds,
} from "./workplan.repository.ts";
import { WorkplanEnvelopeBody, type WorkplanEvent } from "./workplan.schema.ts";
import { WORKPLAN_ENVELOPE_TYPE } from "./workplan.service.ts";

function editedItem(e: WorkplanEvent): string | undefined {
  if (e.kind === "milestone.status" || e.kind === "milestone.evidence") return e.milestoneId;
  if (e.kind === "action.status") return e.actionId;
  return undefined;
}

/**
 * Receiving side of `workplan.events`. The sender's node already checked ownership; this node checks again,
 * because a peer may only speak for itself: an event must be of the sending party's origin, and may only edit
 * items that party owns; and its Lamport values must not rewrite history (workplan.lamport.ts). A refused envelope
 * changes nothing (the inbox transaction rolls back); the inbox counts and audits the refusal by its code.
 */
export function workplanEnvelopeHandler(
  options: { lamportLead?: number } = {},
): EnvelopeHandler<typeof WorkplanEnvelopeBody> {
  return {
    type: WORKPLAN_ENVELOPE_TYPE,
    versions: [1],
    body: WorkplanEnvelopeBody,
    handle: async (change, { payload }) => {
      const events = payload.body.events as WorkplanEvent[];
      const foreign = events.find((e) => e.origin !== payload.from);
      if (foreign)
        throw forbidden(
          "LIAISON_WORKPLAN_ORIGIN_MISMATCH",
          `${payload.from} sent event ${foreign.id} in the name of ${foreign.origin}`,
        );
      const edited = events.map(editedItem).filter((id): id is string => id !== undefined);
      const owners = await ownersOf(change.tx, edited);
      for (const e of events) {
        if (e.kind === "proposal.create" && e.change.field === "milestone.add") owners.set(e.id, e.change.value.owner);
        if (e.kind === "review.record") for (const a of e.actionItems) owners.set(a.id, a.owner);
      }
      for (const e of events) {
        const item = editedItem(e);
        const owner = item ? owners.get(item) : undefined;
        if (owner && owner !== e.origin)
          throw forbidden(
            "LIAISON_WORKPLAN_NOT_OWNER",
            `${e.origin} may not change ${item}, which belongs to ${owner}`,
          );
      }
      // Events stored already (sent again) are not new history: only the others are checked.
      const stored = await storedEventIds(
        change.tx,
        events.map((e) => e.id),
      );
      const unseen = events.filter((e) => !stored.has(e.id));
      const proposals = await proposalsById(change.tx, answeredProposals(unseen));
      checkPeerClock(unseen, {
        clock: (await nextLamport(change.tx)) - 1,
        shown: await shownLamports(
          change.tx,
          payload.from,
          unseen.map((e) => eventTarget(e, proposals)),
        ),
        proposals,
        ...(options.lamportLead === undefined ? {} : { lead: options.lamportLead }),
      });
      const fresh = await insertEvents(change.tx, events, payload.id, change.at);
      change.audit({
        actor: `peer:${payload.from}`,
        action: "workplan.events.receive",
        subject: payload.id,
        outcome: "success",
        details: { events: events.length, new: fresh.length },
      });
    },
  };
}
