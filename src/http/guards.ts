import type { FastifyInstance, FastifyRequest } from "fastify";
import { forbidden, unauthorized } from "../core/errors.ts";
import type { Principal } from "../modules/identity/principal.ts";
import { denied } from "../modules/policy/policy.service.ts";
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from "../modules/policy/policy.types.ts";
import type { App } from "./app.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The node's decision point, installed by `installAuthorizer` (src/node/node.ts). */
    authorizer?: Authorizer;
    /** Records a refused request in the audit log (set with the authorizer). */
    recordDenial?: (entry: {
      principal: Principal;
      action: string;
      resource: AuthorizationRequest["resource"];
      decision: AuthorizationDecision;
      requestId: string;
    }) => Promise<void>;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized("LIAISON_AUTH_REQUIRED", "authentication required");
  return request.principal;
}

/**
 * Node operations (peers, outbox, envelopes) belong to the administrator. Kept for the node-operation routes
 * while they move to `authorize`; content routes must use `authorize`, since a role check cannot see agency,
 * TLP or recipients.
 */
export function requireRole(request: FastifyRequest, ...roles: string[]): Principal {
  const principal = principalOf(request);
  if (!roles.includes(principal.role)) {
    throw forbidden("LIAISON_AUTH_FORBIDDEN", `this action needs the role ${roles.join(" or ")}`);
  }
  return principal;
}

/** Make the node's Authorizer available to every route (register it before the routes that use it). */
export function installAuthorizer(
  authorizer: Authorizer,
  recordDenial?: FastifyInstance["recordDenial"],
): (app: App) => void {
  return (app) => {
    app.decorate("authorizer", authorizer);
    app.decorate("recordDenial", recordDenial);
  };
}

export function authorizerOf(request: FastifyRequest): Authorizer {
  const authorizer = request.server.authorizer;
  if (!authorizer) throw new Error("no Authorizer installed on this app (installAuthorizer in node.ts)");
  return authorizer;
}

/**
 * Ask the decision point whether the caller may do `action` on `resource`; throw unless allowed. A refusal is
 * audited (with the deciding policies) and leaves as LIAISON_POLICY_DENIED (403), or, with `hideExistence`,
 * as the given not-found error so that a sensitive resource's existence does not leak.
 */
export async function authorize(
  request: FastifyRequest,
  action: string,
  resource: AuthorizationRequest["resource"],
  options: { hideExistence?: boolean; notFoundCode?: string; notFoundMessage?: string } = {},
): Promise<{ principal: Principal; decision: AuthorizationDecision }> {
  const principal = principalOf(request);
  const authorizationRequest = { principal, action, resource };
  const decision = authorizerOf(request).authorize(authorizationRequest);
  if (decision.allowed) return { principal, decision };
  await request.server.recordDenial?.({ principal, action, resource, decision, requestId: String(request.id) });
  if (options.hideExistence) {
    authorizerOf(request).assert(authorizationRequest, options);
  }
  throw denied(authorizationRequest, decision);
}

/** Node operations (peers, outbox, envelopes, users) decided by Cedar like everything else: no bypass role. */
export async function authorizeNodeOperation(
  request: FastifyRequest,
  action: "peer.manage" | "outbox.manage" | "envelope.read" | "user.manage",
): Promise<Principal> {
  const { party } = principalOf(request);
  const { principal } = await authorize(request, action, { type: "node", id: party, attributes: { party } });
  return principal;
}
