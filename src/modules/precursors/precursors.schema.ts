import { z } from "zod";
import { PartyCode } from "../../core/party.ts";
import { Instant, itemsOf } from "../../http/response.schema.ts";
import { Grading, MistreatmentRisk, PermittedUse, PurposeCode } from "../compliance/compliance.fields.ts";
import { Entity } from "../exchange/exchange.entities.ts";
import { REPLY_KINDS, SHIPMENT_STATES } from "./precursors.lifecycle.ts";
import { Quantity } from "./precursors.quantity.ts";
import { WatchlistFlag } from "./precursors.watchlist-port.ts";

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
export const PRECURSOR_LEGAL_BASES = ["UN-1988-ART12", "IN-NDPS-9A", "CA-PCR-2016-294", "BI-WORKPLAN-2026"] as const;

/**
 * Labels a notification or incident may carry. They are read by the receiving party's competent authorities,
 * not by named people, so TLP:RED (named recipients only) belongs on an exchange thread.
 */
export const PrecursorTlp = z.enum(["TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"]);

/**
 * What the sender's compliance gate needs besides the content (docs/exchange.md, "The compliance gate"): the
 * gate raises personal data from natural persons and entities itself; a purpose is needed when there is any.
 */
const gateFields = {
  purpose: z.string().trim().max(1000).optional(),
  purposeCode: PurposeCode.optional(),
  h1Waived: z.boolean().optional(),
  mistreatmentRisk: MistreatmentRisk.optional(),
  grading: Grading.optional(),
};

/** A follow-up cites the notification's legal bases unless it names its own (the importer answers under its law). */
const followUpFields = { legalBases: z.array(text(64)).min(1).max(10).optional(), ...gateFields };

export const NotificationInput = z.strictObject({
  /** The importing party. */
  to: PartyCode,
  /** The exporting party's competent authority: the sender's own agency (the default). */
  fromAgency: text(64).optional(),
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
  tlp: PrecursorTlp.default("TLP:AMBER"),
  permittedUse: z.array(PermittedUse).min(1).max(4).default(["H0", "H1"]),
  note: z.string().trim().max(2000).optional(),
  ...gateFields,
});
export type NotificationInput = z.infer<typeof NotificationInput>;

/**
 * An amendment replaces the notification's content and restarts the clock with a new `replyBy`. Where it goes
 * and its caveats stay as sent.
 */
export const AmendmentInput = NotificationInput.omit({
  to: true,
  fromAgency: true,
  toAgency: true,
  tlp: true,
  permittedUse: true,
}).extend({
  reason: text(1000),
});
export type AmendmentInput = z.infer<typeof AmendmentInput>;

export const ReplyInput = z
  .strictObject({
    reply: z.enum(REPLY_KINDS),
    /** The version answered: a reply to an amended-away version is refused, never applied to the new one. */
    version: z.number().int().min(1),
    reason: z.string().trim().max(2000).optional(),
    ...followUpFields,
  })
  .refine((r) => r.reply === "no-objection" || (r.reason?.length ?? 0) > 0, {
    path: ["reason"],
    message: "an objection or a request for information says why, or what is needed",
  });
export type ReplyInput = z.infer<typeof ReplyInput>;

export const WithdrawalInput = z.strictObject({ reason: text(1000), ...followUpFields });
export type WithdrawalInput = z.infer<typeof WithdrawalInput>;

export const ShipmentInput = z.strictObject({
  state: z.enum(SHIPMENT_STATES),
  /** When it happened, if not now (a seizure recorded the next morning). */
  at: z.iso.datetime({ offset: true }).optional(),
  place: z.string().trim().max(200).optional(),
  note: z.string().trim().max(2000).optional(),
  ...followUpFields,
});
export type ShipmentInput = z.infer<typeof ShipmentInput>;

export const INCIDENT_KINDS = [
  "seizure",
  "stopped-shipment",
  "suspicious-order",
  "diversion-attempt",
  "clandestine-laboratory",
] as const;

export const IncidentInput = z.strictObject({
  to: PartyCode,
  /** The sender's own agency (the default). */
  fromAgency: text(64).optional(),
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
  tlp: PrecursorTlp.default("TLP:AMBER"),
  permittedUse: z.array(PermittedUse).min(1).max(4).default(["H0", "H1"]),
  ...gateFields,
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
  /** Only notifications the watchlist flagged (`true`) or only those it did not (`false`). */
  flagged: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `nextCursor` of the previous page (keyset pagination: newest first, by id). */
  cursor: z.uuid().optional(),
});
export type NotificationQuery = z.infer<typeof NotificationQuery>;

export const IncidentQuery = z.strictObject({
  direction: z.enum(["outbound", "inbound"]).optional(),
  kind: z.enum(INCIDENT_KINDS).optional(),
  notificationId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.uuid().optional(),
});
export type IncidentQuery = z.infer<typeof IncidentQuery>;

// ---- Responses (the OpenAPI document and the web client's types come from them).

const Direction = z.enum(["outbound", "inbound"]);
export const NOTIFICATION_STATUSES = [
  "awaiting-reply",
  "no-objection",
  "objection",
  "information-requested",
  "no-reply",
  "withdrawn",
] as const;

/** The content of the current version, as the exporter entered it (the substance named from the catalogue). */
export const NotificationContent = z.object({
  reference: z.string(),
  exporter: Party,
  importer: Party,
  consignee: Party.optional(),
  substance: z.object({
    cas: z.string(),
    name: z.string(),
    abbr: z.string(),
    /** HS 2022 six-digit subheading. */
    hs: z.string(),
    concentrationPercent: z.number().optional(),
    form: z.enum(["substance", "salt", "mixture"]),
  }),
  quantity: Quantity,
  pointOfEntry: z.string(),
  dispatchDate: z.iso.date(),
  transport: z.object({ mode: z.enum(TRANSPORT_MODES), reference: z.string().optional() }),
  note: z.string().optional(),
});
export type NotificationContent = z.infer<typeof NotificationContent>;

/** One step of a notification's history: the same on both nodes, in the same order. */
export const NotificationEventView = z.object({
  id: z.uuid(),
  type: z.enum(["sent", "amended", "withdrawn", "replied", "shipment", "no-reply"]),
  at: Instant,
  /** Which side took it; `system` for the deadline passing. */
  by: z.enum(["exporter", "importer", "system"]),
  /** The party that took it (null for the deadline passing). */
  party: z.string().nullable(),
  /** The user who took it, on the node where it was taken. */
  actor: z.string().nullable(),
  version: z.number().int(),
  /** What the step says: the reply and its reason, the new deadline and content, the shipment state. */
  details: z.record(z.string(), z.unknown()),
  /** False when the step came too late to count (a reply crossing an amendment): shown, never applied. */
  applied: z.boolean(),
  refusal: z.string().nullable(),
});

export const NotificationSummary = z.object({
  id: z.uuid(),
  direction: Direction,
  exporterParty: z.string(),
  importerParty: z.string(),
  fromAgency: z.string(),
  toAgency: z.string().nullable(),
  reference: z.string(),
  cas: z.string(),
  substance: z.string(),
  quantity: Quantity,
  exporter: z.string(),
  importer: z.string(),
  dispatchDate: z.iso.date(),
  replyBy: Instant,
  version: z.number().int(),
  /** As of now: past `replyBy` without an answer it reads `no-reply` (silence is never consent). */
  status: z.enum(NOTIFICATION_STATUSES),
  shipment: z.enum(["not-dispatched", ...SHIPMENT_STATES]),
  tlp: z.string(),
  /** How many watchlist matches this node found on it (never sent to the other party). */
  flagCount: z.number().int(),
  createdAt: Instant,
});
export const NotificationList = z.object({
  items: z.array(NotificationSummary),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.uuid().nullable(),
});

export const NotificationDetail = NotificationSummary.extend({
  content: NotificationContent,
  legalBases: z.array(z.string()),
  permittedUse: z.array(z.string()),
  /** This node's watchlist matches, with their reasons: local to this node. */
  flags: z.array(WatchlistFlag),
  history: z.array(NotificationEventView),
  /** Outbound: the delivery of the last envelope this node sent about it (pending, delivered, dead). */
  delivery: z.string().nullable(),
});

export const IncidentView = z.object({
  id: z.uuid(),
  direction: Direction,
  fromParty: z.string(),
  toParty: z.string(),
  fromAgency: z.string(),
  toAgency: z.string().nullable(),
  kind: z.enum(INCIDENT_KINDS),
  notificationId: z.uuid().nullable(),
  substances: z.array(z.object({ cas: z.string(), name: z.string(), hs: z.string(), quantity: Quantity.optional() })),
  occurredOn: z.iso.date(),
  place: z.string(),
  modusOperandi: z.string().nullable(),
  entities: z.array(z.record(z.string(), z.unknown())),
  summary: z.string(),
  legalBases: z.array(z.string()),
  tlp: z.string(),
  permittedUse: z.array(z.string()),
  sentBy: z.string(),
  createdAt: Instant,
  delivery: z.string().nullable(),
});
export const IncidentList = z.object({ items: z.array(IncidentView), nextCursor: z.uuid().nullable() });

/** A deadline reminder for this node's competent authority. */
export const ReminderView = z.object({
  id: z.uuid(),
  notificationId: z.uuid(),
  kind: z.string(),
  /** The agency it is for (`authority`: any competent authority of the party). */
  recipient: z.string(),
  text: z.string(),
  createdAt: Instant,
});
export const ReminderList = itemsOf(ReminderView);
