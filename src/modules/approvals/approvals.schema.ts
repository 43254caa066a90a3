import { z } from "zod";
import { Instant, itemsOf } from "../../http/response.schema.ts";
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

// ---- Responses (the OpenAPI document and the web client's types come from them).

const ApprovalStatus = z.enum(["pending", "approved", "rejected"]);

/** A case in the queue (approvals.service.ts view). */
export const ApprovalView = z.object({
  id: z.uuid(),
  /** `exchange.message` (an escalated disclosure) or `identity.role-grant`. */
  kind: z.string(),
  subjectId: z.string(),
  party: z.string(),
  agency: z.string(),
  requester: z.string(),
  summary: z.string(),
  /** The case as its requester submitted it (the gate's input, or the role grant): each kind its own. */
  input: z.unknown(),
  /** The gate's assessment (allow, refuse, escalate with reasons), or `four-eyes` for a role grant. */
  decision: z
    .looseObject({
      decision: z.string(),
      reasons: z.array(z.object({ policy: z.string(), text: z.string() })).optional(),
      instruments: z.array(z.string()).optional(),
    })
    .nullable(),
  status: ApprovalStatus,
  approver: z.string().nullable(),
  basis: z.string().nullable(),
  determination: z.string().nullable(),
  measures: z.unknown(),
  createdAt: Instant,
  decidedAt: Instant.nullable(),
});
export const ApprovalList = itemsOf(ApprovalView);

const Counts = { escalated: z.number(), approved: z.number(), rejected: z.number(), pending: z.number() };
/** The annual report under the Avoiding Complicity Act (approvals.service.ts acaReport). */
export const AcaReport = z.object({
  party: z.string(),
  year: z.number().int(),
  period: z.object({ from: z.string(), to: z.string() }),
  dueBefore: z.string(),
  agencies: z.array(
    z.object({
      agency: z.string(),
      acronym: z.string(),
      acaDirections: z.boolean(),
      ...Counts,
      refused: z.number(),
      refusedRequests: z.number(),
      refusalsByRule: z.record(z.string(), z.number()),
      determinations: z.array(
        z.object({
          approvalId: z.string(),
          status: ApprovalStatus,
          determination: z.string().nullable(),
          decidedAt: Instant.nullable(),
          measures: z.array(z.string()),
        }),
      ),
    }),
  ),
  totals: z.object({
    ...Counts,
    refused: z.number(),
    determinations: z.number(),
    refusalsByRule: z.record(z.string(), z.number()),
  }),
});
