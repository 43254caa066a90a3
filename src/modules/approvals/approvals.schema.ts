import { z } from "zod";
import { Mitigation } from "../compliance/compliance.fields.ts";

export const ApprovalParams = z.object({ id: z.uuid() });

export const ListApprovalsQuery = z.object({
  status: z.enum(["pending", "approved", "rejected"]).optional(),
  /** `identity.role-grant` for grants of the approver, auditor or administrator role; `exchange.message`, ... */
  kind: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ApprovalDecisionRequest = z.strictObject({
  approve: z.boolean(),
  /** The written basis of the decision (the ACA directions ask for a clearly documented one). */
  basis: z.string().trim().min(10).max(10_000),
  /**
   * For a case escalated because the mistreatment risk could not be determined (ACA direction 1(3)): approval
   * needs the determination that the risk can be mitigated and the measures, each attached to the held message
   * (a caveat it carries, or a written assurance with who gave it and when).
   */
  determination: z.enum(["risk-can-be-mitigated", "risk-cannot-be-mitigated"]).optional(),
  measures: z.array(Mitigation).max(20).optional(),
});
export type ApprovalDecisionRequest = z.infer<typeof ApprovalDecisionRequest>;

export const AcaReportQuery = z.object({ year: z.coerce.number().int().min(2019).max(2100) });
