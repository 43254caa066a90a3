import type { App } from "../../http/app.ts";
import { authorize, principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import {
  AcaReport,
  AcaReportQuery,
  ApprovalDecisionRequest,
  ApprovalList,
  ApprovalParams,
  ApprovalView,
  ListApprovalsQuery,
} from "./approvals.schema.ts";

const notFound = problems({ 404: ["LIAISON_APPROVALS_NOT_FOUND"] });

import type { ApprovalsService } from "./approvals.service.ts";

export function approvalsRoutes(approvals: ApprovalsService, party: string) {
  return (app: App) => {
    // Each row is checked against approval.read (same party and agency, or an auditor); rows the caller may
    // not read are left out rather than refused, so the queue does not reveal other agencies' cases.
    app.get(
      "/api/v1/approvals",
      {
        config: { auth: true },
        schema: { tags: ["approvals"], querystring: ListApprovalsQuery, response: { 200: ApprovalList } },
      },
      async (request) => ({ items: await approvals.list(principalOf(request), request.query) }),
    );
    app.get(
      "/api/v1/approvals/:id",
      {
        config: { auth: true },
        schema: { tags: ["approvals"], params: ApprovalParams, response: { 200: ApprovalView, ...notFound } },
      },
      async (request) => approvals.get(principalOf(request), request.params.id),
    );
    app.post(
      "/api/v1/approvals/:id/decision",
      {
        config: { auth: true },
        schema: {
          tags: ["approvals"],
          params: ApprovalParams,
          body: ApprovalDecisionRequest,
          response: {
            200: ApprovalView,
            ...notFound,
            ...problems({
              409: ["LIAISON_APPROVALS_ALREADY_DECIDED"],
              422: ["LIAISON_APPROVALS_DETERMINATION_REQUIRED", "LIAISON_APPROVALS_MEASURES_REQUIRED"],
            }),
          },
        },
      },
      async (request) => approvals.decide(principalOf(request), request.params.id, request.body, String(request.id)),
    );
    app.get(
      "/api/v1/reports/aca",
      {
        config: { auth: true },
        schema: { tags: ["reports"], querystring: AcaReportQuery, response: { 200: AcaReport } },
      },
      async (request) => {
        await authorize(request, "report.aca", { type: "report", id: "aca", attributes: { party } });
        return approvals.acaReport(request.query.year);
      },
    );
  };
}
