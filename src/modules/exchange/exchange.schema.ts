import { z } from "zod";
import { PartyCode } from "../../core/party.ts";
import { binaryResponse, Instant, itemsOf } from "../../http/response.schema.ts";
import {
  GateDecision,
  Grading,
  gatedMessageFields,
  MistreatmentRisk,
  PermittedUse,
  Tlp,
} from "../compliance/compliance.fields.ts";
import { AttachmentName, DeclaredMediaType, MediaType } from "./exchange.attachment-meta.ts";
import { CONTROL_KINDS, contentFieldsOf, isControlKind, REFUSAL_CODES } from "./exchange.content.ts";
import { Entity } from "./exchange.entities.ts";

/** Vocabularies of shared/domain: lanes (agencies.json), TLP 2.0, H0-H3, Admiralty 6x6 (handling.json). */
export const Lane = z.enum(["drugs", "organised-crime", "cyber", "fraud-immigration", "security"]);
export const Priority = z.enum(["urgent", "high", "routine"]);
// The gated vocabularies and fields are the compliance gate's own (one definition for a send and the live check).
export { Grading, MistreatmentRisk, PermittedUse, Tlp };

export const MESSAGE_KINDS = [
  "request",
  "response",
  "disclosure",
  "alert",
  "acknowledgement",
  "consent-request",
  "consent-decision",
  "withdrawal",
] as const;
export const MessageKind = z.enum(MESSAGE_KINDS);
export type MessageKind = z.infer<typeof MessageKind>;
/** Coded refusal reasons (exchange.content.ts): a refusal gives one, or a gated free-text `refusalReason`. */
export const RefusalCode = z.enum(REFUSAL_CODES);

export const MESSAGE_TEXT_MAX = 20_000;

export const AttachmentInput = z.object({
  name: AttachmentName,
  contentType: DeclaredMediaType,
  /** The file, base64-encoded. */
  content: z.base64(),
});
export type AttachmentInput = z.infer<typeof AttachmentInput>;

const caveatFields = gatedMessageFields;

export const MessageInput = z.object({
  kind: MessageKind,
  text: z.string().trim().max(MESSAGE_TEXT_MAX).default(""),
  priority: Priority.optional(),
  toAgency: z.string().min(1).max(64).optional(),
  entities: z.array(Entity).max(200).optional(),
  attachments: z.array(AttachmentInput).max(10).optional(),
  /** For response: how much of the request it answers; a refusal needs a reason, coded or free text. */
  responseType: z.enum(["full", "partial", "refusal"]).optional(),
  /** Free text: the refusal then passes the compliance gate like any other content. */
  refusalReason: z.string().min(1).max(1000).optional(),
  /** A documented reason (docs/exchange.md): a refusal with only a code carries nothing and skips the gate. */
  refusalCode: RefusalCode.optional(),
  /** The message this one answers, withdraws or decides on. */
  refersTo: z.uuid().optional(),
  /** For consent-decision. */
  consentGranted: z.boolean().optional(),
  /** For consent-request: to whom the information would be disclosed onward. */
  onwardRecipient: z.string().min(1).max(200).optional(),
  ...caveatFields,
});
/**
 * Follow-up messages. Control messages (acknowledgement, consent-decision, withdrawal) skip the compliance gate,
 * so they may carry no content at all: any is refused here (exchange.content.ts). Their caveats default.
 */
export const AddMessageRequest = MessageInput.extend({
  tlp: Tlp.default("TLP:AMBER"),
  permittedUse: z.array(PermittedUse).min(1).max(4).default(["H0"]),
  personalData: z.boolean().default(false),
}).superRefine(refuseControlContent);

function refuseControlContent(m: { kind: string } & Parameters<typeof contentFieldsOf>[0], ctx: z.RefinementCtx) {
  if (!isControlKind(m.kind)) return;
  for (const field of contentFieldsOf(m)) {
    ctx.addIssue({
      code: "custom",
      path: [field],
      message: `a ${m.kind} is a control message (${CONTROL_KINDS.join(", ")}) and carries no ${field}: it skips the compliance gate; send content as a disclosure or response`,
    });
  }
}
export type AddMessageRequest = z.infer<typeof AddMessageRequest>;

export const CreateThreadRequest = z.object({
  lane: Lane,
  subject: z.string().trim().min(1, "subject must not be empty").max(300),
  to: PartyCode,
  toAgency: z.string().min(1).max(64).optional(),
  message: MessageInput.extend({
    kind: z.enum(["request", "disclosure", "alert"]),
    priority: Priority,
  }),
});
export type CreateThreadRequest = z.infer<typeof CreateThreadRequest>;

export const AssignRequest = z.object({
  agency: z.string().min(1).max(64),
  assignee: z.string().min(1).max(100).optional(),
});

export const ListThreadsQuery = z.object({
  direction: z.enum(["inbound", "outbound"]).optional(),
  lane: Lane.optional(),
  priority: Priority.optional(),
  unassigned: z.stringbool().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ListThreadsQuery = z.infer<typeof ListThreadsQuery>;

/** The orders search offers (docs/exchange.md, Search): newest first, or by relevance among the newest matches. */
export const SearchSort = z.enum(["newest", "relevance"]);
export type SearchSort = z.infer<typeof SearchSort>;

export const SearchQuery = z
  .object({
    q: z.string().trim().min(1).max(500),
    lane: Lane.optional(),
    party: PartyCode.optional(),
    agency: z.string().max(64).optional(),
    priority: Priority.optional(),
    status: z.string().max(40).optional(),
    tlp: Tlp.optional(),
    /** Only threads whose respond-by falls before this instant. */
    dueBefore: z.iso.datetime().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** `newest` (default): most recently written first. `relevance`: the newest matches, best match first. */
    sort: SearchSort.default("newest"),
    /** Continue a newest-first search with older matches: the `next` of the previous page. */
    before: z.uuid().optional(),
  })
  .refine((query) => !(query.before && query.sort === "relevance"), {
    message: "before pages a newest-first search; a relevance search has a single page",
    path: ["before"],
  });
export type SearchQuery = z.infer<typeof SearchQuery>;

export const ThreadIdParams = z.object({ id: z.uuid() });

/** The body of an `exchange.message` envelope: the thread header travels with every message. */
export const MessageEnvelopeBody = z
  .object({
    thread: z.object({
      id: z.uuid(),
      lane: Lane,
      subject: z.string().min(1).max(300),
      fromAgency: z.string().nullable(),
      toAgency: z.string().nullable(),
    }),
    message: z.object({
      id: z.uuid(),
      kind: MessageKind,
      text: z.string().max(MESSAGE_TEXT_MAX),
      priority: Priority.nullable(),
      fromAgency: z.string().nullable(),
      toAgency: z.string().nullable(),
      sentBy: z.string(),
      entities: z.array(z.record(z.string(), z.unknown())),
      attachments: z.array(
        z.object({
          id: z.uuid(),
          // The peer's claims reach our response headers: held to the same grammar as a send here.
          name: AttachmentName,
          contentType: MediaType,
          size: z.number().int().nonnegative(),
          sha256: z.string().regex(/^[0-9a-f]{64}$/),
          content: z.base64(),
        }),
      ),
      tlp: Tlp,
      permittedUse: z.array(PermittedUse),
      handlingNote: z.string().nullable(),
      legalBases: z.array(z.string()),
      personalData: z.boolean(),
      dataSubjects: z.array(z.string()),
      grading: Grading.nullable(),
      retentionUntil: z.string().nullable(),
      recipients: z.array(z.string()),
      responseType: z.string().nullable(),
      refusalReason: z.string().nullable(),
      /** Absent from nodes that predate coded refusals. */
      refusalCode: RefusalCode.nullable().optional(),
      refersTo: z.uuid().nullable(),
      consentGranted: z.boolean().nullable(),
      onwardRecipient: z.string().nullable(),
    }),
  })
  .strict()
  // The receiver holds the sender to the same rule: a control message was not gated, so it may carry nothing.
  .superRefine((body, ctx) => {
    const { message } = body;
    if (!isControlKind(message.kind)) return;
    for (const field of contentFieldsOf(message)) {
      ctx.addIssue({ code: "custom", path: ["message", field], message: `a ${message.kind} carries no ${field}` });
    }
  });
export type MessageEnvelopeBody = z.infer<typeof MessageEnvelopeBody>;

export const WithdrawalConfirmedBody = z
  .object({ threadId: z.uuid(), messageId: z.uuid(), withdrawalId: z.uuid() })
  .strict();

// ---- Responses. The routes' answers, as the OpenAPI document and the web client's types (web/src/api) see them.

/** The thread as every answer about it starts (ExchangeService.threadView). */
export const ThreadHeader = z.object({
  id: z.uuid(),
  lane: z.string(),
  subject: z.string(),
  direction: z.enum(["inbound", "outbound"]),
  /** The other party of the thread. */
  peer: z.string(),
  fromAgency: z.string().nullable(),
  toAgency: z.string().nullable(),
  assignedAgency: z.string().nullable(),
  assignee: z.string().nullable(),
  priority: z.string().nullable(),
  startedAt: Instant,
  deadlines: z.object({
    acknowledgeBy: Instant.nullable(),
    respondBy: Instant.nullable(),
    acknowledgedAt: Instant.nullable(),
    respondedAt: Instant.nullable(),
  }),
});

/** A row of the thread list: the header, the time left to respond, and the strictest TLP of its messages. */
export const ThreadSummary = ThreadHeader.extend({
  msLeft: z.number().nullable(),
  /** The strictest TLP label among the thread's messages: the marking the thread is handled at. */
  tlp: Tlp.nullable(),
});
export const ThreadList = itemsOf(ThreadSummary);

export const AttachmentMeta = z.object({
  id: z.uuid(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
});

/** A message as its reader sees it (ExchangeThreads.get). */
export const MessageView = z.object({
  id: z.uuid(),
  kind: z.string(),
  direction: z.enum(["inbound", "outbound"]),
  /** outbound: queued, pending, delivered, pending-approval, blocked, ...; inbound: received. */
  status: z.string(),
  envelopeId: z.string().nullable(),
  deliveredAt: Instant.nullable(),
  readAt: Instant.nullable(),
  text: z.string(),
  priority: z.string().nullable(),
  fromAgency: z.string().nullable(),
  toAgency: z.string().nullable(),
  sentBy: z.string(),
  entities: z.array(z.looseObject({ type: z.string() })),
  attachments: z.array(AttachmentMeta),
  tlp: z.string(),
  permittedUse: z.array(z.string()),
  handlingNote: z.string().nullable(),
  legalBases: z.array(z.string()),
  personalData: z.boolean(),
  dataSubjects: z.array(z.string()),
  grading: Grading.nullable(),
  retentionUntil: z.union([Instant, z.string()]).nullable(),
  recipients: z.array(z.string()),
  responseType: z.string().nullable(),
  refusalReason: z.string().nullable(),
  refusalCode: RefusalCode.nullable().optional(),
  refersTo: z.string().nullable(),
  consentGranted: z.boolean().nullable(),
  onwardRecipient: z.string().nullable(),
  decision: GateDecision.nullable(),
  approvalId: z.string().nullable(),
  withdrawnAt: Instant.nullable(),
  withdrawalConfirmedAt: Instant.nullable(),
  createdAt: Instant,
});
/** What the receiver sees of a message its sender withdrew: that it was, and nothing of its content. */
export const WithdrawnMessageView = z.object({
  id: z.uuid(),
  kind: z.string(),
  status: z.literal("withdrawn"),
  withdrawnAt: Instant.nullable(),
  createdAt: Instant,
});
export const Thread = ThreadSummary.extend({ messages: z.array(z.union([MessageView, WithdrawnMessageView])) });

/** A message just sent (or held): where it stands, and the gate's decision when it was gated. */
export const SentMessage = z.object({
  id: z.uuid(),
  kind: z.string(),
  status: z.string(),
  envelopeId: z.string().nullable(),
  decision: GateDecision.nullable(),
  approvalId: z.string().nullable(),
});
export const CreatedThread = ThreadHeader.extend({ messages: z.array(SentMessage) });

export const MarkedRead = z.object({ marked: z.literal(true) });

export const Notification = z.object({
  id: z.string(),
  threadId: z.string(),
  kind: z.string(),
  recipient: z.string(),
  text: z.string(),
  readAt: Instant.nullable(),
  createdAt: Instant,
});
export const NotificationList = itemsOf(Notification);

export const SearchHit = z.object({
  id: z.uuid(),
  threadId: z.uuid(),
  kind: z.string(),
  status: z.string(),
  direction: z.string(),
  tlp: z.string(),
  priority: z.string().nullable(),
  createdAt: Instant,
  subject: z.string(),
  lane: z.string(),
  party: z.string(),
  respondBy: Instant.nullable(),
  /** The matching passages, hits marked with <b>. */
  snippet: z.string(),
});
export const SearchPage = z.object({
  items: z.array(SearchHit),
  /** Older matches may exist: pass this as `before` to get them. Null when there are none (and for relevance). */
  next: z.string().nullable(),
  /** The page stopped at the budget of recent messages before it was full; older matches may exist (`next`). */
  partial: z.boolean(),
});

const Quantiles = z.object({ median: z.number().nullable(), p95: z.number().nullable() });
export const ExchangeStats = itemsOf(
  z.object({
    lane: z.string(),
    priority: z.string().nullable(),
    requests: z.object({ sent: z.number(), received: z.number() }),
    acknowledgeSeconds: Quantiles,
    respondSeconds: Quantiles,
    deadlines: z.object({ met: z.number(), breached: z.number() }),
    refusals: z.array(z.object({ code: z.string(), count: z.number() })),
  }),
);

/** An attachment's bytes (GET /api/v1/attachments/:id), in the content type it was sent with. */
export const AttachmentBytes = binaryResponse(
  "The file, in the content type it was sent with (x-content-sha256: its SHA-256)",
);
