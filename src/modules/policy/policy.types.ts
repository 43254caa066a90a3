import type { Principal } from "../identity/principal.ts";

/**
 * The one decision point (DESIGN.md "Policy"). Every API action asks `authorize` before it acts; Cedar decides,
 * default deny, and the decision names the policies that decided it. Implemented by policy.service.ts.
 */
export interface AuthorizationRequest {
  principal: Principal;
  /** Cedar action id, e.g. `exchange:thread.read`, `workplan:proposal.accept`, `audit:leaves.read`. */
  action: string;
  resource: { type: string; id: string; attributes?: Record<string, unknown> };
  context?: Record<string, unknown>;
}

export interface PolicyReason {
  /** Policy id (the file-level id you gave it, not `policy0`). */
  policy: string;
  /** Human-readable reason from the policy's @reason annotation. */
  text: string;
}

export interface AuthorizationDecision {
  allowed: boolean;
  reasons: PolicyReason[];
}

export interface Authorizer {
  authorize(request: AuthorizationRequest): AuthorizationDecision;
  /**
   * Throw unless allowed. With `hideExistence`, a refusal looks exactly like "not found" (same status, code
   * shape and message) so the existence of a sensitive resource does not leak.
   */
  assert(
    request: AuthorizationRequest,
    options?: { hideExistence?: boolean; notFoundCode?: string; notFoundMessage?: string },
  ): void;
}
