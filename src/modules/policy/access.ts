import { LiaisonError, notFound } from "../../core/errors.ts";
import type { Principal } from "../identity/principal.ts";
import { type Action, denied } from "./policy.service.ts";
import type {
  AccessResource,
  AuthorizationDecision,
  AuthorizeOptions,
  Authorizer,
  DecisionPoint,
} from "./policy.types.ts";

/** A refusal as the audit log records it. */
export interface Denial {
  principal: Principal;
  action: Action;
  resource: AccessResource;
  decision: AuthorizationDecision;
  /** The HTTP request that was refused (Principal.requestId), so a reviewer can match log and audit. */
  requestId: string | undefined;
  /** The code the caller got back. */
  code: string;
}

export interface AccessControlDeps {
  decisions: DecisionPoint;
  /** Writes the denial to the audit log in a change of its own (src/node/node.ts); awaited before the throw. */
  recordDenial: (denial: Denial) => Promise<void>;
}

/**
 * The one authorization path of the node. Services call `authorize(principal, action, resource)` before they act,
 * outside any transaction of their own (the denial is written in a change of its own, and a rolled-back change
 * would lose it). Cedar is the only source of rules: nothing here knows a role.
 */
export class AccessControl implements Authorizer {
  constructor(private readonly deps: AccessControlDeps) {}

  async authorize(
    principal: Principal,
    action: Action,
    resource: AccessResource,
    options: AuthorizeOptions = {},
  ): Promise<AuthorizationDecision> {
    const request = { principal, action, resource };
    const decision = this.deps.decisions.decide(request);
    if (decision.allowed) return decision;
    const error = refusal(request, decision, options);
    await this.deps.recordDenial({
      principal,
      action,
      resource,
      decision,
      requestId: principal.requestId,
      code: error.code,
    });
    throw error;
  }

  permits(principal: Principal, action: Action, resource: AccessResource): boolean {
    return this.deps.decisions.decide({ principal, action, resource }).allowed;
  }
}

function refusal(
  request: { principal: Principal; action: Action; resource: AccessResource },
  decision: AuthorizationDecision,
  options: AuthorizeOptions,
): LiaisonError {
  if (options.hideExistence) return notFound(options.hideExistence.code, options.hideExistence.message);
  const as = options.deniedAs?.find((a) => decision.reasons.some((r) => a.policies.includes(r.policy)));
  if (as) return new LiaisonError(as.code, 403, as.message, { reasons: decision.reasons });
  return denied(request, decision);
}
