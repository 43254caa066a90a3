import { z } from "zod";
import { AddMessageRequest } from "../exchange/exchange.schema.ts";
import { GateDecision } from "./compliance.fields.ts";

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

/** The gate's decision, the one shape of compliance.fields.ts (exchange messages show it too). */
export const ComplianceDecisionSchema = GateDecision;
