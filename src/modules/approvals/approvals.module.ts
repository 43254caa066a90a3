import { defineModule } from "../module.ts";
import { approvalsMigrations } from "./approvals.migrations.ts";
import { approvalsRoutes } from "./approvals.routes.ts";
import { type ApprovalsDeps, ApprovalsService } from "./approvals.service.ts";

/** Approvals: the four-eyes queue for escalated disclosures and role grants; other modules act on the outcome. */
export function createApprovalsModule(deps: ApprovalsDeps) {
  const approvals = new ApprovalsService(deps);
  return defineModule({
    name: "approvals",
    migrations: approvalsMigrations,
    approvals,
    routes: [approvalsRoutes(approvals, deps.party)],
  });
}
