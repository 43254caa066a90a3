import { casProblem } from "../../core/cas-number.ts";
import { LiaisonError } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { EnvelopeHandler } from "../federation/envelope-handlers.ts";
import {
  EVENT_ENVELOPE_TYPE,
  EventEnvelopeBody,
  INCIDENT_ENVELOPE_TYPE,
  IncidentEnvelopeBody,
  NOTIFICATION_ENVELOPE_TYPE,
  NotificationEnvelopeBody,
} from "./precursors.envelopes.ts";
import {
  findEvent,
  findNotificationForUpdate,
  insertEvent,
  insertIncident,
  insertReminders,
} from "./precursors.repository.ts";
import { type PrecursorsService, storeNotification } from "./precursors.service.ts";

/**
 * The peer's side of the lane, each in the inbox transaction that stores the envelope. The inbox has already
 * checked the signature against the pinned peer, the recipient and the time window, and dedupes by envelope id;
 * here the lane's own rules: which side may take which step (decided by who sent the envelope, never by the
 * body), that an id means one thing only, and that a step is dated when it was sealed. A refusal throws: the
 * inbox refuses that envelope, audits it, and stores nothing of it.
 */

const refuse = (code: string, message: string) => new LiaisonError(`LIAISON_PRECURSORS_${code}`, 409, message);

/** A step is dated by its sender when it is sealed: not after the envelope, nor long before it. */
const STEP_BEFORE_SEAL_MS = 10 * 60_000;
function checkDated(at: string, createdAt: string) {
  const step = new Date(at).getTime();
  const sealed = new Date(createdAt).getTime();
  if (step > sealed || step < sealed - STEP_BEFORE_SEAL_MS) {
    throw new LiaisonError(
      "LIAISON_PRECURSORS_STEP_MISDATED",
      400,
      `the step is dated ${at}, but its envelope was sealed at ${createdAt}`,
    );
  }
}

export function notificationHandler(service: PrecursorsService): EnvelopeHandler<typeof NotificationEnvelopeBody> {
  const { deps } = service;
  return {
    type: NOTIFICATION_ENVELOPE_TYPE,
    versions: [1],
    body: NotificationEnvelopeBody,
    handle: async (change, { payload }) => {
      const { notification: n, event } = payload.body;
      checkDated(event.at, payload.createdAt);
      const problem = casProblem(n.content.substance.cas);
      if (problem) throw new LiaisonError("LIAISON_PRECURSORS_BAD_CAS", 400, `substance.cas: ${problem}`);
      // Matched here, against this node's own watchlist: the sender's flags never cross, nor do ours.
      const flags = await service.flagsOf(n.content);
      const stored = await storeNotification(change.tx, {
        id: n.id,
        direction: "inbound",
        exporterParty: payload.from,
        importerParty: deps.party,
        fromAgency: n.fromAgency,
        toAgency: n.toAgency ?? null,
        content: n.content,
        replyBy: new Date(n.replyBy),
        legalBases: n.legalBases,
        tlp: n.tlp,
        permittedUse: n.permittedUse,
        flags,
        sentBy: event.actor,
        envelopeId: payload.id,
        event: { id: event.id, at: new Date(event.at), actor: event.actor, party: payload.from },
        recordedAt: change.at,
      });
      if (!stored) throw refuse("CONFLICT", `notification ${n.id} was already received`);
      change.audit({
        actor: `peer:${payload.from}`,
        action: "precursor.notification.receive",
        subject: n.id,
        outcome: "success",
        details: { envelopeId: payload.id, cas: n.content.substance.cas, flags: flags.length },
      });
    },
  };
}

/** The steps each side may take: the exporter amends, withdraws, records shipments; the importer answers and records. */
const STEPS_OF = {
  exporter: new Set(["amended", "withdrawn", "shipment"]),
  importer: new Set(["replied", "shipment"]),
} as const;

export function eventHandler(service: PrecursorsService): EnvelopeHandler<typeof EventEnvelopeBody> {
  return {
    type: EVENT_ENVELOPE_TYPE,
    versions: [1],
    body: EventEnvelopeBody,
    handle: async (change, { payload }) => {
      const { notificationId, event } = payload.body;
      checkDated(event.at, payload.createdAt);
      const row = await findNotificationForUpdate(change.tx, notificationId);
      // The peer is the exporter of what this node received, the importer of what it sent.
      const peerSide = row?.direction === "inbound" ? "exporter" : "importer";
      const peerParty = row?.direction === "inbound" ? row.exporter_party : row?.importer_party;
      if (!row || peerParty !== payload.from) {
        throw new LiaisonError(
          "LIAISON_PRECURSORS_NOT_FOUND",
          404,
          `no notification ${notificationId} with ${payload.from}`,
        );
      }
      const { type, ...details } = event.details;
      if (!STEPS_OF[peerSide].has(type)) {
        throw refuse("WRONG_SIDE", `the ${peerSide} does not take a step "${type}" on a notification`);
      }
      const existing = await findEvent(change.tx, event.id);
      if (existing) throw refuse("CONFLICT", `step ${event.id} was already received`);
      if (type === "amended" && casProblem(event.details.content.substance.cas)) {
        throw new LiaisonError("LIAISON_PRECURSORS_BAD_CAS", 400, "substance.cas: not a valid CAS number");
      }
      await insertEvent(change.tx, {
        id: event.id,
        notification_id: notificationId,
        type,
        at: new Date(event.at),
        by_role: peerSide,
        by_party: payload.from,
        actor: event.actor,
        version: event.version,
        details,
        envelope_id: payload.id,
        recorded_at: change.at,
      });
      const flags = event.details.type === "amended" ? await service.flagsOf(event.details.content) : undefined;
      await service.replayInto(change.tx, notificationId, change.at, flags ? { flags, flag_count: flags.length } : {});
      // The authority that sent the notification hears of the answer (a reminder row, read in the web view).
      if (type === "replied") {
        await insertReminders(change.tx, [
          {
            id: uuidv7(change.at.getTime()),
            notification_id: notificationId,
            kind: `replied:${event.id}`,
            recipient: row.from_agency,
            text: `${row.reference}: ${payload.from} answered ${event.details.type === "replied" ? event.details.reply : ""} (version ${event.version})`,
            created_at: change.at,
          },
        ]);
      }
      change.audit({
        actor: `peer:${payload.from}`,
        action: `precursor.notification.${type}.receive`,
        subject: notificationId,
        outcome: "success",
        details: { eventId: event.id, envelopeId: payload.id },
      });
    },
  };
}

export function incidentHandler(service: PrecursorsService): EnvelopeHandler<typeof IncidentEnvelopeBody> {
  const { deps } = service;
  return {
    type: INCIDENT_ENVELOPE_TYPE,
    versions: [1],
    body: IncidentEnvelopeBody,
    handle: async (change, { payload }) => {
      const i = payload.body.incident;
      for (const s of i.substances) {
        const problem = casProblem(s.cas);
        if (problem) throw new LiaisonError("LIAISON_PRECURSORS_BAD_CAS", 400, `substances.cas: ${problem}`);
      }
      const stored = await insertIncident(change.tx, {
        id: i.id,
        direction: "inbound",
        from_party: payload.from,
        to_party: deps.party,
        from_agency: i.fromAgency,
        to_agency: i.toAgency ?? null,
        kind: i.kind,
        notification_id: i.notificationId ?? null,
        substances: i.substances,
        occurred_on: i.occurredOn,
        place: i.place,
        modus_operandi: i.modusOperandi ?? null,
        entities: i.entities,
        summary: i.summary,
        legal_bases: i.legalBases,
        tlp: i.tlp,
        permitted_use: i.permittedUse,
        sent_by: i.sentBy,
        envelope_id: payload.id,
        created_at: change.at,
      });
      if (!stored) throw refuse("CONFLICT", `incident ${i.id} was already received`);
      change.audit({
        actor: `peer:${payload.from}`,
        action: "precursor.incident.receive",
        subject: i.id,
        outcome: "success",
        details: { envelopeId: payload.id, kind: i.kind },
      });
    },
  };
}
