import type { App } from "../../http/app.ts";
import { authorize, principalOf } from "../../http/guards.ts";
import { AcaReportQuery, ApprovalDecisionRequest, ApprovalParams, ListApprovalsQuery } from "./approvals.schema.ts";
import type { ApprovalsService } from "./approvals.service.ts";

export function approvalsRoutes(approvals: ApprovalsService, party: string) {
  return (app: App) => {
    // Each row is checked against approval.read (same party and agency, or an auditor); rows the caller may
    // not read are left out rather than refused, so the queue does not reveal other agencies' cases.
    app.get(
      "/api/v1/approvals",
      { config: { auth: true }, schema: { tags: ["approvals"], querystring: ListApprovalsQuery } },
      async (request) => ({ items: await approvals.list(principalOf(request), request.query) }),
    );
    app.get(
      "/api/v1/approvals/:id",
      { config: { auth: true }, schema: { tags: ["approvals"], params: ApprovalParams } },
      async (request) => approvals.get(principalOf(request), request.params.id),
    );
    app.post(
      "/api/v1/approvals/:id/decision",
      {
        config: { auth: true },
        schema: { tags: ["approvals"], params: ApprovalParams, body: ApprovalDecisionRequest },
      },
      async (request) => approvals.decide(principalOf(request), request.params.id, request.body, String(request.id)),
    );
    app.get(
      "/api/v1/reports/aca",
      { config: { auth: true }, schema: { tags: ["reports"], querystring: AcaReportQuery } },
      async (request) => {
        await authorize(request, "report.aca", { type: "report", id: "aca", attributes: { party } });
        return approvals.acaReport(request.query.year);
      },
    );
  };
}
