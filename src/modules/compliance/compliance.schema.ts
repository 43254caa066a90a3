import { z } from "zod";
import { AddMessageRequest } from "../exchange/exchange.schema.ts";

export { MistreatmentRisk, Mitigation } from "./compliance.fields.ts";

/**
 * The body of POST /api/v1/compliance/evaluate: the message exactly as a send takes it (the exchange's own
 * message schema, same fields, same defaults), plus where it would go. The route builds the gate's input with
 * `gateInputOf`, as the send path does, so the live check and the send give the same answer.
 */
export const ComplianceEvaluateRequest = AddMessageRequest.extend({
  to: z.string().regex(/^[A-Z]{2}$/),
  fromAgency: z.string().min(1).max(64),
  lane: z.string().min(1).max(64),
});
export type ComplianceEvaluateRequest = z.infer<typeof ComplianceEvaluateRequest>;

export const PolicyReasonSchema = z.object({ policy: z.string(), text: z.string() });

export const ComplianceDecisionSchema = z.object({
  decision: z.enum(["allow", "refuse", "escalate"]),
  reasons: z.array(PolicyReasonSchema),
  instruments: z.array(z.string()),
});
