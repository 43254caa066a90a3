import type { ChangeRunner } from "../../db/changes.ts";
import type { App } from "../../http/app.ts";
import { authorize } from "../../http/guards.ts";
import { ComplianceDecisionSchema, ComplianceEvaluateRequest } from "./compliance.schema.ts";
import type { ComplianceService } from "./compliance.service.ts";

export function complianceRoutes(deps: { compliance: ComplianceService; changes: ChangeRunner; party: string }) {
  return (app: App) => {
    // Evaluates without sending anything; the decision and its reasons are still audited, since a reviewer
    // may need to see what was asked and what the gate answered.
    app.post(
      "/api/v1/compliance/evaluate",
      {
        config: { auth: true },
        schema: {
          tags: ["compliance"],
          body: ComplianceEvaluateRequest,
          response: { 200: ComplianceDecisionSchema },
        },
      },
      async (request) => {
        const input = request.body;
        const { principal } = await authorize(request, "compliance.evaluate", {
          type: "disclosure",
          id: "evaluate",
          attributes: { party: deps.party, agency: input.fromAgency },
        });
        const decision = await deps.compliance.evaluate(input, principal);
        await deps.changes.run(async (change) => {
          change.audit({
            actor: principal.id,
            action: "compliance.evaluate",
            outcome: decision.decision,
            reasons: decision.reasons,
            requestId: String(request.id),
            details: {
              kind: input.kind,
              to: input.to,
              fromAgency: input.fromAgency,
              lane: input.lane,
              instruments: decision.instruments,
            },
          });
        });
        return decision;
      },
    );
  };
}
