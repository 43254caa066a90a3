/**
 * Which messages carry information, and so which the compliance gate decides (docs/exchange.md, "The compliance
 * gate"). The rule is about content, not kind: a message that carries free text, entities, attachments, data
 * subjects or a handling note tells the other party something and passes the sender's pack. Only two shapes skip
 * the gate, because they can carry nothing:
 * - control messages (acknowledgement, consent-decision, withdrawal): their schema refuses any content;
 * - a refusal whose reason is one of the documented codes (REFUSAL_CODES) and that carries nothing else.
 */

export const CONTROL_KINDS = ["acknowledgement", "consent-decision", "withdrawal"] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];
export const isControlKind = (kind: string): kind is ControlKind => (CONTROL_KINDS as readonly string[]).includes(kind);

/**
 * The coded reasons a refusal may give without passing the gate: each says why, none says anything about the
 * case. The list is docs/exchange.md's; statistics count refusals by these codes (free-text refusals as `text`).
 */
export const REFUSAL_CODES = [
  "information-not-held",
  "outside-mandate",
  "insufficient-detail",
  "no-legal-basis",
  "evidence-via-mlat",
  "sovereignty-security-public-order",
  "mistreatment-risk",
  "originator-consent-withheld",
  "operational-sensitivity",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** The fields of a message that carry information about the case (what a control message may not hold). */
export interface MessageContent {
  text?: string | undefined;
  entities?: readonly unknown[] | undefined;
  attachments?: readonly unknown[] | undefined;
  dataSubjects?: readonly string[] | undefined;
  handlingNote?: string | null | undefined;
  refusalReason?: string | null | undefined;
  onwardRecipient?: string | null | undefined;
  purpose?: string | undefined;
  personalData?: boolean | undefined;
}

/** The content fields a message holds, by name (empty: it carries nothing). */
export function contentFieldsOf(m: MessageContent): string[] {
  const fields: string[] = [];
  const has = (value: unknown) =>
    Array.isArray(value) ? value.length > 0 : typeof value === "string" ? value.trim().length > 0 : false;
  if (has(m.text)) fields.push("text");
  if (has(m.entities)) fields.push("entities");
  if (has(m.attachments)) fields.push("attachments");
  if (has(m.dataSubjects)) fields.push("dataSubjects");
  if (has(m.handlingNote)) fields.push("handlingNote");
  if (has(m.refusalReason)) fields.push("refusalReason");
  if (has(m.onwardRecipient)) fields.push("onwardRecipient");
  if (has(m.purpose)) fields.push("purpose");
  if (m.personalData === true) fields.push("personalData");
  return fields;
}

/** Whether the gate decides this message: everything but control messages and content-free coded refusals. */
export function isGated(m: MessageContent & { kind: string; responseType?: string | null | undefined }): boolean {
  if (isControlKind(m.kind)) return false;
  if (m.kind === "response" && m.responseType === "refusal") return contentFieldsOf(m).length > 0;
  return true;
}
