import { z } from "zod";
import { PartyCode } from "../../core/party.ts";
import { PermittedUse, Tlp } from "../compliance/compliance.fields.ts";
import { Entity } from "../exchange/exchange.entities.ts";
import { REPLY_KINDS, SHIPMENT_STATES } from "./precursors.lifecycle.ts";
import { Quantity } from "./precursors.quantity.ts";

/**
 * Request and response shapes of the precursors lane. A pre-export notification carries what Art. 12(10)(a)
 * of the 1988 Convention has the exporting party supply (shared/domain/precursors.json, preExportNotification):
 * exporter, importer, consignee where known, substance, quantity, expected point of entry and date of dispatch,
 * plus what the two parties agreed to add: the reply deadline the exporter sets, transport and legal bases.
 */

const text = (max: number) => z.string().trim().min(1).max(max);

/** A company or person in a notification: a name and a postal address, as PEN forms carry them. */
export const Party = z.strictObject({
  name: text(300),
  address: z.strictObject({
    lines: z.array(text(200)).min(1).max(6),
    city: text(100),
    postcode: z.string().trim().max(20).optional(),
    /** ISO 3166-1 alpha-2. */
    country: z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 country code such as IN or CA"),
  }),
  /** A natural person, not a company: the notification then carries personal data for the gate. */
  naturalPerson: z.boolean().default(false),
});
export type Party = z.infer<typeof Party>;

export const TRANSPORT_MODES = ["air", "sea", "road", "rail", "post", "courier"] as const;

/** Legal bases a precursor exchange rests on (legal-bases.json and each pack's instruments.json). */
export const PRECURSOR_LEGAL_BASES = ["UN-1988-ART12", "IN-NDPS-9A", "BI-WORKPLAN-2026"] as const;

export const NotificationInput = z.strictObject({
  /** The importing party. */
  to: PartyCode,
  /** The exporting party's competent authority (an agency of this node's party with the drugs lane). */
  fromAgency: text(64),
  /** The importing party's competent authority, when the exporter knows it; otherwise its liaison officers route. */
  toAgency: text(64).optional(),
  /** The exporter's own reference (export authorisation or licence number). */
  reference: text(100),
  exporter: Party,
  importer: Party,
  consignee: Party.optional(),
  substance: z.strictObject({
    cas: z.string().trim(),
    /** A preparation or mixture: its share of the substance, in percent by weight. */
    concentrationPercent: z.number().gt(0).max(100).optional(),
    form: z.enum(["substance", "salt", "mixture"]).default("substance"),
  }),
  quantity: Quantity,
  pointOfEntry: text(200),
  dispatchDate: z.iso.date(),
  /** Set by the exporter per notification; there is no universal deadline, and silence is never consent. */
  replyBy: z.iso.datetime({ offset: true }),
  transport: z.strictObject({
    mode: z.enum(TRANSPORT_MODES),
    /** Air waybill, bill of lading, consignment note. */
    reference: z.string().trim().max(100).optional(),
  }),
  legalBases: z.array(text(64)).min(1).max(10),
  tlp: Tlp.default("TLP:AMBER"),
  permittedUse: z.array(PermittedUse).min(1).max(4).default(["H0", "H1"]),
  note: z.string().trim().max(2000).optional(),
});
export type NotificationInput = z.infer<typeof NotificationInput>;

/** An amendment replaces the notification's content and restarts the clock with a new `replyBy`. */
export const AmendmentInput = NotificationInput.omit({ to: true, fromAgency: true }).extend({
  reason: text(1000),
});

export const ReplyInput = z
  .strictObject({
    reply: z.enum(REPLY_KINDS),
    /** The version answered: a reply to an amended-away version is refused, never applied to the new one. */
    version: z.number().int().min(1),
    reason: z.string().trim().max(2000).optional(),
  })
  .refine((r) => r.reply === "no-objection" || (r.reason?.length ?? 0) > 0, {
    path: ["reason"],
    message: "an objection or a request for information says why, or what is needed",
  });
export type ReplyInput = z.infer<typeof ReplyInput>;

export const WithdrawalInput = z.strictObject({ reason: text(1000) });

export const ShipmentInput = z.strictObject({
  state: z.enum(SHIPMENT_STATES),
  /** When it happened, if not now (a seizure recorded the next morning). */
  at: z.iso.datetime({ offset: true }).optional(),
  place: z.string().trim().max(200).optional(),
  note: z.string().trim().max(2000).optional(),
});

export const INCIDENT_KINDS = [
  "seizure",
  "stopped-shipment",
  "suspicious-order",
  "diversion-attempt",
  "clandestine-laboratory",
] as const;

export const IncidentInput = z.strictObject({
  to: PartyCode,
  fromAgency: text(64),
  toAgency: text(64).optional(),
  kind: z.enum(INCIDENT_KINDS),
  /** The notification it concerns, when there is one. */
  notificationId: z.uuid().optional(),
  substances: z
    .array(z.strictObject({ cas: z.string().trim(), quantity: Quantity.optional() }))
    .min(1)
    .max(20),
  occurredOn: z.iso.date(),
  place: text(300),
  modusOperandi: z.string().trim().max(4000).optional(),
  /** Companies, people, routes and shipments involved, as exchange entities (validated as strictly). */
  entities: z.array(Entity).max(200).default([]),
  summary: text(8000),
  legalBases: z.array(text(64)).min(1).max(10),
  tlp: Tlp.default("TLP:AMBER"),
  permittedUse: z.array(PermittedUse).min(1).max(4).default(["H0", "H1"]),
});
export type IncidentInput = z.infer<typeof IncidentInput>;

export const WatchlistEntryInput = z.strictObject({
  kind: z.enum(["company", "person", "address"]),
  text: text(500),
  reason: text(1000),
});

export const NotificationQuery = z.strictObject({
  direction: z.enum(["outbound", "inbound"]).optional(),
  cas: z.string().trim().optional(),
  status: z
    .enum(["awaiting-reply", "no-objection", "objection", "information-requested", "no-reply", "withdrawn"])
    .optional(),
  dueBefore: z.iso.datetime({ offset: true }).optional(),
  company: z.string().trim().min(2).max(300).optional(),
  flagged: z.coerce.boolean().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
