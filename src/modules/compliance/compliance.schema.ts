import { z } from "zod";

export const MistreatmentRisk = z.object({
  level: z.enum(["none", "mitigable", "substantial", "undetermined"]),
  mitigations: z.array(z.string().trim().min(1).max(2000)).max(50).optional(),
});

/** The body of POST /api/v1/compliance/evaluate, and what modules pass to the gate (ComplianceInput). */
export const ComplianceEvaluateRequest = z.strictObject({
  kind: z.enum(["disclosure", "request"]),
  to: z.string().regex(/^[A-Z]{2}$/),
  fromAgency: z.string().min(1).max(64),
  toAgency: z.string().min(1).max(64).optional(),
  lane: z.string().min(1).max(64),
  legalBases: z.array(z.string().min(1).max(64)).max(20),
  personalData: z.boolean(),
  purpose: z.string().trim().max(2000).optional(),
  intendedUse: z.enum(["intelligence", "evidence"]),
  mistreatmentRisk: MistreatmentRisk.optional(),
  grading: z
    .object({ source: z.enum(["A", "B", "C", "D", "E", "F"]), information: z.enum(["1", "2", "3", "4", "5", "6"]) })
    .optional(),
  tlp: z.enum(["TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"]),
  permittedUse: z.array(z.enum(["H0", "H1", "H2", "H3"])).max(4),
  /** The originator waives H1 on the police channel (recorded with the decision). */
  h1Waived: z.boolean().optional(),
});
export type ComplianceEvaluateRequest = z.infer<typeof ComplianceEvaluateRequest>;

export const PolicyReasonSchema = z.object({ policy: z.string(), text: z.string() });

export const ComplianceDecisionSchema = z.object({
  decision: z.enum(["allow", "refuse", "escalate"]),
  reasons: z.array(PolicyReasonSchema),
  instruments: z.array(z.string()),
});
