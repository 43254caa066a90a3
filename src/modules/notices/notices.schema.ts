import { z } from "zod";
import { PartyCode } from "../../core/party.ts";
import { Instant, itemsOf } from "../../http/response.schema.ts";
import { Lane, PermittedUse } from "../exchange/exchange.schema.ts";

export const NOTICE_TEXT_MAX = 4000;

/**
 * Labels a notice may carry. Notices are read by every liaison officer of the receiving party, so the labels that
 * restrict readers to named people or one agency (TLP:RED, TLP:AMBER+STRICT) belong on an exchange thread.
 */
export const NoticeTlp = z.enum(["TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"]);

/**
 * A notice is free text to the other party, so it passes the sender's compliance gate like any disclosure: the
 * caller names the legal bases and the caveats (docs/exchange.md, "The compliance gate").
 */
export const SendNoticeRequest = z.object({
  to: PartyCode,
  text: z.string().trim().min(1, "text must not be empty").max(NOTICE_TEXT_MAX),
  /** The workplan lane it concerns; `security` (cross-cutting coordination) unless said. */
  lane: Lane.default("security"),
  legalBases: z.array(z.string().min(1).max(64)).max(10).default([]),
  personalData: z.boolean().default(false),
  purpose: z.string().max(1000).optional(),
  tlp: NoticeTlp.default("TLP:AMBER"),
  /** H1 by default: information on the police channel is not evidence without the originator's permission. */
  permittedUse: z.array(PermittedUse).min(1).max(4).default(["H0", "H1"]),
  h1Waived: z.boolean().optional(),
});
export type SendNoticeRequest = z.infer<typeof SendNoticeRequest>;

/** The body of a `notice.sent` envelope; the caveats are absent from nodes that predate the gate on notices. */
export const NoticeEnvelopeBody = z
  .object({
    noticeId: z.uuid(),
    text: z.string().min(1).max(NOTICE_TEXT_MAX),
    sentBy: z.string(),
    tlp: NoticeTlp.optional(),
    permittedUse: z.array(PermittedUse).max(4).optional(),
  })
  .strict();

export const ListNoticesQuery = z.object({
  direction: z.enum(["outbound", "inbound"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.uuid().optional(),
});

// ---- Responses (the OpenAPI document and the web client's types come from them).

/** A notice just sent: queued for the peer once the gate allowed it. */
export const SentNotice = z.object({
  id: z.uuid(),
  envelopeId: z.string(),
  from: z.string(),
  to: z.string(),
  text: z.string(),
  tlp: NoticeTlp,
  permittedUse: z.array(PermittedUse),
  status: z.string(),
});
export const NoticeView = z.object({
  id: z.uuid(),
  direction: z.enum(["inbound", "outbound"]),
  from: z.string(),
  to: z.string(),
  text: z.string(),
  sentBy: z.string().nullable(),
  /** Null on notices received from nodes that predate the gate on notices. */
  tlp: z.string().nullable(),
  /** H0-H3 codes (jsonb; null on notices from nodes that predate the gate on notices). */
  permittedUse: z.unknown(),
  envelopeId: z.string(),
  /** outbound: pending, delivered or dead (the outbox row); inbound: received. */
  status: z.string(),
  lastErrorCode: z.string().nullable(),
  createdAt: Instant,
  deliveredAt: Instant.nullable(),
});
export const NoticeList = itemsOf(NoticeView);
