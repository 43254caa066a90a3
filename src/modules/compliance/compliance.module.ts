import type { ChangeRunner } from "../../db/changes.ts";
import { defineModule } from "../module.ts";
import { complianceRoutes } from "./compliance.routes.ts";
import type { ComplianceService } from "./compliance.service.ts";

/**
 * Compliance: the legal gate every outbound disclosure passes. The node builds the service before it opens
 * anything (an invalid pack stops it there), so this module only adds its routes.
 */
export function createComplianceModule(deps: { compliance: ComplianceService; changes: ChangeRunner; party: string }) {
  return defineModule({ name: "compliance", compliance: deps.compliance, routes: [complianceRoutes(deps)] });
}
