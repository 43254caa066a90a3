import type { Principal } from "../identity/principal.ts";
import type { Action } from "./policy.service.ts";

/** What a decision is asked about. `action` is a Cedar action of policies/schema.cedarschema. */
export interface AuthorizationRequest {
  principal: Principal;
  /** Cedar action id, e.g. `thread.read`, `proposal.decide`, `audit.read`. */
  action: string;
  resource: AccessResource;
}

/** What an action touches, as the policies see it (policies/schema.cedarschema, entity Resource). */
export interface AccessResource {
  /** Becomes the Cedar attribute `kind`: thread, message, approval, role-grant, workplan-initiative, node, ... */
  type: string;
  id: string;
  attributes?: Record<string, unknown>;
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

/** The Cedar decision point itself: pure, no audit (policy.service.ts). Only the access path and tests ask it. */
export interface DecisionPoint {
  decide(request: AuthorizationRequest): AuthorizationDecision;
}

export interface AuthorizeOptions {
  /**
   * Where a resource's existence is itself sensitive: a refusal leaves as this not-found error (same status,
   * code and message as a missing id) so it does not leak. The denial is still audited.
   */
  hideExistence?: { code: string; message: string } | undefined;
  /** A refusal by one of these policies leaves with this error code (403) instead of LIAISON_POLICY_DENIED. */
  deniedAs?: { policies: readonly string[]; code: string; message: string }[] | undefined;
}

/**
 * The one authorization path (docs/ARCHITECTURE.md, "Authorization"). Every service asks `authorize` before it
 * acts: Cedar decides (default deny, no bypass role), a refusal is audited with the principal's request id and
 * thrown as problem+json. `permits` is the same decision without the throw and the audit, for the rows of a
 * list the caller was already allowed to ask for (a row left out is not a refused request).
 */
export interface Authorizer {
  authorize(
    principal: Principal,
    action: Action,
    resource: AccessResource,
    options?: AuthorizeOptions,
  ): Promise<AuthorizationDecision>;
  permits(principal: Principal, action: Action, resource: AccessResource): boolean;
}
