import type { FastifyRequest } from "fastify";
import { unauthorized } from "../core/errors.ts";
import type { Principal } from "../modules/identity/principal.ts";
import type { Action } from "../modules/policy/policy.service.ts";
import type {
  AccessResource,
  AuthorizationDecision,
  AuthorizeOptions,
  Authorizer,
} from "../modules/policy/policy.types.ts";
import type { App } from "./app.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The node's one authorization path (AccessControl), installed by `installAuthorizer` (src/node/node.ts). */
    authorizer?: Authorizer;
  }
}

/**
 * The authenticated caller, carrying this request's id so that whatever the services refuse in its name is
 * audited with it. There is deliberately no role check here: roles are Cedar's business (policies/access).
 */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized("LIAISON_AUTH_REQUIRED", "authentication required");
  return { ...request.principal, requestId: String(request.id) };
}

/** Make the node's Authorizer available to every route (register it before the routes that use it). */
export function installAuthorizer(authorizer: Authorizer): (app: App) => void {
  return (app) => {
    app.decorate("authorizer", authorizer);
  };
}

export function authorizerOf(request: FastifyRequest): Authorizer {
  const authorizer = request.server.authorizer;
  if (!authorizer) throw new Error("no Authorizer installed on this app (installAuthorizer in node.ts)");
  return authorizer;
}

/**
 * For routes whose module has no service of its own to ask (notices, audit, compliance, node operations): the same
 * one path as every service, `Authorizer.authorize`, with the caller of this request. A refusal is audited with
 * the request id and leaves as LIAISON_POLICY_DENIED (403), or as the given not-found error.
 */
export async function authorize(
  request: FastifyRequest,
  action: Action,
  resource: AccessResource,
  options: AuthorizeOptions = {},
): Promise<{ principal: Principal; decision: AuthorizationDecision }> {
  const principal = principalOf(request);
  const decision = await authorizerOf(request).authorize(principal, action, resource, options);
  return { principal, decision };
}

/** Node operations (peers, outbox, envelopes, users, the workplan's seed) decided by Cedar like everything else. */
export async function authorizeNodeOperation(
  request: FastifyRequest,
  action: "peer.manage" | "outbox.manage" | "envelope.read" | "user.manage" | "workplan.seed",
): Promise<Principal> {
  const { party } = principalOf(request);
  const { principal } = await authorize(request, action, { type: "node", id: party, attributes: { party } });
  return principal;
}
