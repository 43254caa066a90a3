import { z } from "zod";
import { PermittedUse } from "../compliance/compliance.fields.ts";
import { Entity } from "../exchange/exchange.entities.ts";
import { REPLY_KINDS, SHIPMENT_STATES } from "./precursors.lifecycle.ts";
import { Quantity } from "./precursors.quantity.ts";
import { INCIDENT_KINDS, NotificationContent, PrecursorTlp } from "./precursors.schema.ts";

/**
 * What crosses the border in the precursors lane: a notification when it is sent, each later step of it, and
 * incidents. The watchlist's flags never do (they are this node's). Every step carries its own id and time, so
 * both nodes hold the same events and replay them in the same order (precursors.lifecycle.ts).
 */
export const NOTIFICATION_ENVELOPE_TYPE = "precursors.notification";
export const EVENT_ENVELOPE_TYPE = "precursors.event";
export const INCIDENT_ENVELOPE_TYPE = "precursors.incident";

const StepHeader = {
  id: z.uuid(),
  at: z.iso.datetime({ offset: true }),
  /** The user who took the step, on the sending node. */
  actor: z.string().max(200),
};

export const NotificationEnvelopeBody = z.strictObject({
  notification: z.strictObject({
    id: z.uuid(),
    fromAgency: z.string().max(64),
    toAgency: z.string().max(64).optional(),
    content: NotificationContent,
    replyBy: z.iso.datetime({ offset: true }),
    legalBases: z.array(z.string().max(64)).min(1).max(10),
    tlp: PrecursorTlp,
    permittedUse: z.array(PermittedUse).min(1).max(4),
  }),
  event: z.strictObject(StepHeader),
});
export type NotificationEnvelopeBody = z.infer<typeof NotificationEnvelopeBody>;

/** The steps after sending; who may take which is decided by the side the envelope comes from, not by the body. */
export const StepDetails = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("amended"),
    content: NotificationContent,
    replyBy: z.iso.datetime({ offset: true }),
    legalBases: z.array(z.string().max(64)).min(1).max(10),
    reason: z.string().max(1000),
  }),
  z.strictObject({ type: z.literal("withdrawn"), reason: z.string().max(1000) }),
  z.strictObject({
    type: z.literal("replied"),
    reply: z.enum(REPLY_KINDS),
    reason: z.string().max(2000).optional(),
  }),
  z.strictObject({
    type: z.literal("shipment"),
    state: z.enum(SHIPMENT_STATES),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    place: z.string().max(200).optional(),
    note: z.string().max(2000).optional(),
  }),
]);
export type StepDetails = z.infer<typeof StepDetails>;

export const EventEnvelopeBody = z.strictObject({
  notificationId: z.uuid(),
  event: z.strictObject({ ...StepHeader, version: z.number().int().min(1), details: StepDetails }),
});
export type EventEnvelopeBody = z.infer<typeof EventEnvelopeBody>;

export const IncidentEnvelopeBody = z.strictObject({
  incident: z.strictObject({
    id: z.uuid(),
    fromAgency: z.string().max(64),
    toAgency: z.string().max(64).optional(),
    kind: z.enum(INCIDENT_KINDS),
    notificationId: z.uuid().optional(),
    substances: z
      .array(z.strictObject({ cas: z.string(), name: z.string(), hs: z.string(), quantity: Quantity.optional() }))
      .min(1)
      .max(20),
    occurredOn: z.iso.date(),
    place: z.string().max(300),
    modusOperandi: z.string().max(4000).optional(),
    entities: z.array(Entity).max(200),
    summary: z.string().max(8000),
    legalBases: z.array(z.string().max(64)).min(1).max(10),
    tlp: PrecursorTlp,
    permittedUse: z.array(PermittedUse).min(1).max(4),
    sentBy: z.string().max(200),
  }),
});
export type IncidentEnvelopeBody = z.infer<typeof IncidentEnvelopeBody>;
