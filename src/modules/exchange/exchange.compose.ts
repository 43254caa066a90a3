import { carriesPersonalData, gateInputOf } from "../compliance/compliance.gate-input.ts";
import type { ComplianceInput } from "../compliance/compliance.types.ts";
import type { CheckedAttachment } from "./exchange.attachments.ts";
import type { Entity } from "./exchange.entities.ts";
import type { ExchangeMessagesTable, ExchangeThreadsTable } from "./exchange.repository.ts";
import type { AddMessageRequest, MessageEnvelopeBody } from "./exchange.schema.ts";

/** Words that search should find besides the text: names, numbers and references from the entities. */
export function searchTextOf(text: string, entities: readonly Record<string, unknown>[]): string {
  const values: string[] = [text];
  for (const entity of entities) {
    for (const [key, value] of Object.entries(entity)) {
      if (key === "type") continue;
      if (typeof value === "string") values.push(value);
      else if (Array.isArray(value)) values.push(...value.filter((v): v is string => typeof v === "string"));
    }
  }
  return values.join(" ");
}

export const gradingCode = (g: { source: string; information: string } | undefined | null) =>
  g ? `${g.source}${g.information}` : null;

export function parseGrading(code: string | null) {
  if (!code) return null;
  return { source: code[0], information: code[1] } as NonNullable<MessageEnvelopeBody["message"]["grading"]>;
}

/** The row for a message this node sends, before the gate's outcome decides its status. */
export function outboundMessageRow(args: {
  id: string;
  threadId: string;
  input: AddMessageRequest;
  fromAgency: string;
  toAgency: string | null;
  sentBy: string;
  at: Date;
}): ExchangeMessagesTable {
  const { input } = args;
  const entities = (input.entities ?? []) as Entity[];
  return {
    id: args.id,
    thread_id: args.threadId,
    envelope_id: null,
    direction: "outbound",
    kind: input.kind,
    status: "queued",
    text: input.text,
    search_text: searchTextOf(input.text, entities as unknown as Record<string, unknown>[]),
    entities,
    tlp: input.tlp,
    permitted_use: input.permittedUse,
    handling_note: input.handlingNote ?? null,
    legal_bases: input.legalBases,
    // Stored and sent as the content shows it: the caller's flag may raise it, never lower it (issue 13).
    personal_data: carriesPersonalData(input),
    data_subjects: input.dataSubjects ?? [],
    grading: gradingCode(input.grading),
    retention_until: input.retentionUntil ?? null,
    priority: input.priority ?? null,
    from_agency: args.fromAgency,
    to_agency: args.toAgency,
    sent_by: args.sentBy,
    recipients: input.recipients ?? [],
    response_type: input.responseType ?? null,
    refusal_reason: input.refusalReason ?? null,
    refusal_code: input.refusalCode ?? null,
    refers_to: input.refersTo ?? null,
    consent_granted: input.consentGranted ?? null,
    onward_recipient: input.onwardRecipient ?? null,
    decision: null,
    approval_id: null,
    withdrawn_at: null,
    withdrawal_confirmed_at: null,
    created_at: args.at,
  };
}

const isoDate = (value: string | Date | null) =>
  value === null ? null : typeof value === "string" ? value.slice(0, 10) : value.toISOString().slice(0, 10);

type EnvelopeMessage = MessageEnvelopeBody["message"];

/**
 * A message's content and caveats from its row, named as they travel and as they are shown: one mapping for
 * the envelope the sender seals (envelopeBodyOf, below) and the thread view (exchange.threads.ts). Its inverse,
 * for a message that arrived, is `messageColumnsOf`; a column added to the message goes in both.
 */
export function messageContentOf(m: ExchangeMessagesTable) {
  return {
    kind: m.kind as EnvelopeMessage["kind"],
    text: m.text,
    priority: m.priority as EnvelopeMessage["priority"],
    fromAgency: m.from_agency,
    toAgency: m.to_agency,
    sentBy: m.sent_by,
    entities: m.entities as { type: string; [field: string]: unknown }[],
    tlp: m.tlp as EnvelopeMessage["tlp"],
    permittedUse: m.permitted_use as EnvelopeMessage["permittedUse"],
    handlingNote: m.handling_note,
    legalBases: m.legal_bases as string[],
    personalData: m.personal_data,
    dataSubjects: m.data_subjects as string[],
    grading: parseGrading(m.grading),
    retentionUntil: isoDate(m.retention_until),
    recipients: m.recipients as string[],
    responseType: m.response_type,
    refusalReason: m.refusal_reason,
    refusalCode: (m.refusal_code ?? null) as EnvelopeMessage["refusalCode"],
    refersTo: m.refers_to,
    consentGranted: m.consent_granted,
    onwardRecipient: m.onward_recipient,
  };
}

/** The row's content columns for a message that came in an envelope (the inverse of `messageContentOf`). */
export function messageColumnsOf(message: EnvelopeMessage) {
  return {
    kind: message.kind,
    text: message.text,
    search_text: searchTextOf(message.text, message.entities),
    entities: message.entities,
    tlp: message.tlp,
    permitted_use: message.permittedUse,
    handling_note: message.handlingNote,
    legal_bases: message.legalBases,
    personal_data: message.personalData,
    data_subjects: message.dataSubjects,
    grading: gradingCode(message.grading),
    retention_until: message.retentionUntil,
    priority: message.priority,
    from_agency: message.fromAgency,
    to_agency: message.toAgency,
    sent_by: message.sentBy,
    recipients: message.recipients,
    response_type: message.responseType,
    refusal_reason: message.refusalReason,
    refusal_code: message.refusalCode ?? null,
    refers_to: message.refersTo,
    consent_granted: message.consentGranted,
    onward_recipient: message.onwardRecipient,
  };
}

/** What travels: the thread header and the message with its caveats and attachments (plaintext, inside the JWE). */
export function envelopeBodyOf(
  thread: Pick<ExchangeThreadsTable, "id" | "lane" | "subject" | "from_agency" | "to_agency">,
  message: ExchangeMessagesTable,
  attachments: (Omit<CheckedAttachment, "bytes"> & { id: string; bytes: Buffer })[],
): MessageEnvelopeBody {
  return {
    thread: {
      id: thread.id,
      lane: thread.lane as MessageEnvelopeBody["thread"]["lane"],
      subject: thread.subject,
      fromAgency: thread.from_agency,
      toAgency: thread.to_agency,
    },
    message: {
      id: message.id,
      ...messageContentOf(message),
      attachments: attachments.map((a) => ({
        id: a.id,
        name: a.name,
        contentType: a.contentType,
        size: a.size,
        sha256: a.sha256,
        content: a.bytes.toString("base64"),
      })),
    },
  };
}

/**
 * The gate's input for an outbound message: compliance's `gateInputOf`, the same function the live check
 * (`POST /api/v1/compliance/evaluate`) uses, so both decide on the message's own fields.
 */
export function complianceInputOf(args: {
  input: AddMessageRequest;
  to: string;
  fromAgency: string;
  toAgency: string | null;
  lane: string;
}): ComplianceInput {
  return gateInputOf({
    message: args.input,
    to: args.to,
    fromAgency: args.fromAgency,
    toAgency: args.toAgency,
    lane: args.lane,
  });
}
