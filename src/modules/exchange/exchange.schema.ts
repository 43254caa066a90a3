import { z } from "zod";
import { PartyCode } from "../../core/party.ts";
import { Grading, gatedMessageFields, MistreatmentRisk, PermittedUse, Tlp } from "../compliance/compliance.fields.ts";
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
