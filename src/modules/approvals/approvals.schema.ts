import { z } from "zod";

export const ApprovalParams = z.object({ id: z.uuid() });

export const ListApprovalsQuery = z.object({
  status: z.enum(["pending", "approved", "rejected"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ApprovalDecisionRequest = z.strictObject({
  approve: z.boolean(),
  /** The written basis of the decision (the ACA directions ask for a clearly documented one). */
  basis: z.string().trim().min(10).max(10_000),
});
export type ApprovalDecisionRequest = z.infer<typeof ApprovalDecisionRequest>;

export const AcaReportQuery = z.object({ year: z.coerce.number().int().min(2019).max(2100) });
