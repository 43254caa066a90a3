import { z } from "zod";

/**
 * The message fields the legal gate decides on, defined once: the exchange's message schema spreads them, and
 * POST /api/v1/compliance/evaluate takes that message schema, so a live check and a send parse the same shape.
 * Vocabularies are those of shared/domain (handling.json: TLP 2.0, H0-H3, Admiralty 6x6).
 */
export const Tlp = z.enum(["TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"]);
export const PermittedUse = z.enum(["H0", "H1", "H2", "H3"]);
export const Grading = z.object({
  source: z.enum(["A", "B", "C", "D", "E", "F"]),
  information: z.enum(["1", "2", "3", "4", "5", "6"]),
});

/**
 * What the information will be used for. `lead`: intelligence that may point to evidence, which is then asked
 * for through the mutual legal assistance treaty; it is decided like `intelligence` and carries H1.
 */
export const IntendedUse = z.enum(["intelligence", "lead", "evidence"]);
export type IntendedUse = z.infer<typeof IntendedUse>;

/**
 * What a disclosure or request of personal information serves, from a controlled list (the free-text `purpose`
 * says the rest). `lane-objective`: the objective of the thread's workplan lane (agencies.json `lanes`);
 * `investigation`: a named investigation (its reference goes in the text); the others name an offence type.
 */
export const PURPOSE_CODES = [
  "lane-objective",
  "investigation",
  "drug-trafficking",
  "precursor-diversion",
  "organised-crime",
  "money-laundering",
  "terrorism",
  "national-security-threat",
  "cybercrime",
  "cyber-incident",
  "fraud",
  "immigration-fraud",
  "migrant-smuggling",
  "human-trafficking",
  "firearms-trafficking",
] as const;
export const PurposeCode = z.enum(PURPOSE_CODES);
export type PurposeCode = z.infer<typeof PurposeCode>;

/**
 * A coded, checkable mitigation of a mistreatment risk. The gate verifies each against the message it claims
 * to protect (compliance.mitigations.ts): a written assurance is recorded with who gave it and when; a caveat
 * counts only if the message actually carries it. `note` may explain, never replace.
 */
const note = z.string().trim().max(2000).optional();
export const Mitigation = z.discriminatedUnion("measure", [
  z.strictObject({
    measure: z.literal("written-assurance"),
    /** Who gave the assurance: the official and the foreign entity, e.g. "Director, NCB Delhi Zonal Unit". */
    givenBy: z.string().trim().min(3).max(300),
    /** When it was given (ISO date or date-time); not after the evaluation. */
    givenAt: z.union([z.iso.date(), z.iso.datetime({ offset: true })]),
    /** What the foreign entity assured, in writing. */
    summary: z.string().trim().min(10).max(2000),
    /** The letter's or note verbale's reference, if any. */
    reference: z.string().trim().min(1).max(200).optional(),
    note,
  }),
  /** H2 attached: no onward disclosure without Canada's or India's permission. */
  z.strictObject({ measure: z.literal("caveat-h2"), note }),
  /** A TLP label no wider than TLP:AMBER. */
  z.strictObject({ measure: z.literal("caveat-tlp-amber-or-narrower"), note }),
  /** TLP:RED with the named recipients listed. */
  z.strictObject({ measure: z.literal("caveat-named-recipients"), note }),
  /** H3 with the restriction on use stated in the handling note. */
  z.strictObject({ measure: z.literal("caveat-restricted-use"), note }),
]);
export type Mitigation = z.infer<typeof Mitigation>;
export const MITIGATION_MEASURES = [
  "written-assurance",
  "caveat-h2",
  "caveat-tlp-amber-or-narrower",
  "caveat-named-recipients",
  "caveat-restricted-use",
] as const;

export const MistreatmentRisk = z.strictObject({
  level: z.enum(["none", "mitigable", "substantial", "undetermined"]),
  mitigations: z.array(Mitigation).max(20).optional(),
  /** Free text that accompanies the assessment (never counts as a mitigation). */
  note,
});
export type MistreatmentRisk = z.infer<typeof MistreatmentRisk>;

/** The gated fields of a message, spread into the exchange's message schema. */
export const gatedMessageFields = {
  tlp: Tlp,
  permittedUse: z.array(PermittedUse).min(1).max(4),
  /** Free text for H3: the restriction it states. */
  handlingNote: z.string().max(1000).optional(),
  legalBases: z.array(z.string().min(1).max(64)).max(10).default([]),
  /** Raised by the caller, never lowered: the gate also derives it from entities and data subjects. */
  personalData: z.boolean(),
  dataSubjects: z.array(z.string().min(1).max(200)).max(100).optional(),
  purpose: z.string().max(1000).optional(),
  purposeCode: PurposeCode.optional(),
  intendedUse: IntendedUse.optional(),
  /** The originator waives H1 (information on the police channel otherwise carries it). */
  h1Waived: z.boolean().optional(),
  mistreatmentRisk: MistreatmentRisk.optional(),
  grading: Grading.optional(),
  retentionUntil: z.iso.date().optional(),
  /** For TLP:RED: the usernames at the receiving party allowed to read. */
  recipients: z.array(z.string().min(1).max(100)).max(50).optional(),
};

/** The gate's answer (compliance.types.ts ComplianceDecision), as routes that show it answer it. */
export const GateDecision = z.object({
  decision: z.enum(["allow", "refuse", "escalate"]),
  reasons: z.array(z.object({ policy: z.string(), text: z.string() })),
  /** Ids of the legal instruments involved (shared/domain/legal-bases.json). */
  instruments: z.array(z.string()),
});
