import type { ChangeRunner } from "../../db/changes.ts";
import type { App } from "../../http/app.ts";
import { authorize } from "../../http/guards.ts";
import { gateInputOf } from "./compliance.gate-input.ts";
import { ComplianceDecisionSchema, ComplianceEvaluateRequest } from "./compliance.schema.ts";
import type { ComplianceService } from "./compliance.service.ts";

export function complianceRoutes(deps: { compliance: ComplianceService; changes: ChangeRunner; party: string }) {
  return (app: App) => {
    // Evaluates without sending anything; the decision and its reasons are still audited, since a reviewer
    // may need to see what was asked and what the gate answered. The body is a message as a send takes it, and
    // its gate input is built by the same function, so the answer is the send's.
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
        const { to, fromAgency, lane, toAgency, ...message } = request.body;
        const input = gateInputOf({ message, to, fromAgency, toAgency, lane });
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
