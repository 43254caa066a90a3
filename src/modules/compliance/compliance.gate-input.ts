import { LiaisonError } from "../../core/errors.ts";
import type { ComplianceInput } from "./compliance.types.ts";

/**
 * The gate's input, built from a message the same way for a send and for `POST /api/v1/compliance/evaluate`,
 * and the checks and derivations the gate applies to it before the pack decides. Kept pure (no I/O, no clock)
 * so any module that sends content can call it.
 */

/** What a message carries that the gate decides on: the fields of compliance.fields.ts plus kind, text, entities. */
export interface GateMessage {
  kind: string;
  text?: string | undefined;
  entities?: readonly { type: string }[] | undefined;
  tlp: ComplianceInput["tlp"];
  permittedUse: ComplianceInput["permittedUse"];
  handlingNote?: string | undefined;
  legalBases?: string[] | undefined;
  personalData?: boolean | undefined;
  dataSubjects?: string[] | undefined;
  purpose?: string | undefined;
  purposeCode?: ComplianceInput["purposeCode"];
  intendedUse?: ComplianceInput["intendedUse"] | undefined;
  h1Waived?: boolean | undefined;
  mistreatmentRisk?: ComplianceInput["mistreatmentRisk"];
  grading?: ComplianceInput["grading"];
  recipients?: string[] | undefined;
}

/**
 * The gate's input for a message going to `to`: a request asks, every other kind that carries content discloses.
 * Exchange's send path and the evaluate route both call this, so they decide on the same fields.
 */
export function gateInputOf(args: {
  message: GateMessage;
  to: string;
  fromAgency: string;
  toAgency?: string | null | undefined;
  lane: string;
}): ComplianceInput {
  const m = args.message;
  const input: ComplianceInput = {
    kind: m.kind === "request" ? "request" : "disclosure",
    to: args.to,
    fromAgency: args.fromAgency,
    lane: args.lane,
    legalBases: m.legalBases ?? [],
    personalData: m.personalData === true,
    intendedUse: m.intendedUse ?? "intelligence",
    tlp: m.tlp,
    permittedUse: m.permittedUse,
  };
  if (args.toAgency) input.toAgency = args.toAgency;
  if (m.dataSubjects && m.dataSubjects.length > 0) input.dataSubjects = m.dataSubjects;
  if (m.entities && m.entities.length > 0) input.entities = m.entities;
  if (m.text) input.text = m.text;
  if (m.purpose !== undefined) input.purpose = m.purpose;
  if (m.purposeCode !== undefined) input.purposeCode = m.purposeCode;
  if (m.mistreatmentRisk !== undefined) input.mistreatmentRisk = m.mistreatmentRisk;
  if (m.grading !== undefined) input.grading = m.grading;
  if (m.handlingNote !== undefined) input.handlingNote = m.handlingNote;
  if (m.recipients && m.recipients.length > 0) input.recipients = m.recipients;
  if (m.h1Waived !== undefined) input.h1Waived = m.h1Waived;
  return input;
}

/**
 * The caveats a message must carry to be valid at all, whatever the pack says: a send refuses them as bad input
 * and so does the live check, with the same codes. TLP:RED is for named recipients (TLP 2.0); H3 states its
 * restriction in words (handling.json).
 */
export function checkGateInput(input: ComplianceInput): void {
  if (input.tlp === "TLP:RED" && (input.recipients ?? []).length === 0) {
    throw new LiaisonError(
      "LIAISON_EXCHANGE_RECIPIENTS_REQUIRED",
      400,
      "TLP:RED is for named recipients: list them in recipients",
    );
  }
  if (input.permittedUse.includes("H3") && (input.handlingNote ?? "").trim().length === 0) {
    throw new LiaisonError(
      "LIAISON_COMPLIANCE_HANDLING_NOTE_REQUIRED",
      400,
      "H3 means other restrictions stated in free text: state them in handlingNote",
    );
  }
}

/** Entity types that identify or locate a person (issue 13): their presence makes the message personal data. */
export const PERSONAL_ENTITY_TYPES: ReadonlySet<string> = new Set([
  "person",
  "phone",
  "email",
  "travel-document",
  "bank-account",
  "crypto-wallet",
  "address",
]);

/** Personal data as the content shows it; the caller's flag can raise it, never lower it. */
export function carriesPersonalData(
  input:
    | Pick<ComplianceInput, "personalData" | "dataSubjects" | "entities">
    | Pick<GateMessage, "personalData" | "dataSubjects" | "entities">,
): boolean {
  if (input.personalData) return true;
  if ((input.dataSubjects ?? []).some((s) => s.trim().length > 0)) return true;
  return (input.entities ?? []).some((e) => PERSONAL_ENTITY_TYPES.has(e.type));
}

/** Placeholders that state no purpose at all. */
const PLACEHOLDERS = new Set(["n/a", "na", "n.a.", "none", "nil", "null", "-", "--", "tbd", "tba", "todo", "test"]);

/**
 * A purpose of personal information names what it serves from the controlled list (`purposeCode`) AND says it
 * in words; a placeholder ("n/a", "none", "-") or a couple of letters is no purpose.
 */
export function statesPurpose(input: ComplianceInput): boolean {
  if (!input.purposeCode) return false;
  const text = (input.purpose ?? "").trim();
  if (PLACEHOLDERS.has(text.toLowerCase())) return false;
  return (text.match(/[\p{L}\p{M}]/gu) ?? []).length >= 8;
}

/**
 * A stated use before a court makes the information evidence, whatever `intendedUse` says (evidence goes
 * through the treaty). The gate can tell from the purpose of any message, and from the text of a request (the
 * text of a request is the ask; a disclosure's text may merely report that someone appeared in court).
 */
const TRIAL_USE = [
  /\b(?:for|at|during|before)\s+(?:the\s+|a\s+|his\s+|her\s+|their\s+)?(?:criminal\s+)?(?:trial|court|prosecution\s+case)\b/iu,
  /\b(?:for|in)\s+(?:the\s+)?judicial\s+proceedings?\b/iu,
  /\b(?:as|into)\s+evidence\b/iu,
  /\bevidence\s+(?:at|in|for|before)\s+(?:the\s+|a\s+)?(?:trial|court|proceedings?)\b/iu,
  /\b(?:admissible|adduce[ds]?|certified\s+cop(?:y|ies))\b/iu,
  /\b(?:produce[ds]?|used?|presented?|tender(?:ed)?|file[ds]?)\s+(?:it\s+|them\s+)?(?:in|before)\s+(?:the\s+)?court\b/iu,
];

export function statesTrialUse(input: ComplianceInput): boolean {
  const texts = [input.purpose ?? ""];
  if (input.kind === "request") texts.push(input.text ?? "");
  return texts.some((text) => TRIAL_USE.some((pattern) => pattern.test(text)));
}
