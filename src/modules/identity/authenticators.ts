import type { FastifyRequest } from "fastify";
import type { Clock } from "../../core/clock.ts";
import { forbidden, unauthorized } from "../../core/errors.ts";
import type { Db } from "../../db/database.ts";
import { type AuthService, csrfTokenMatches, SESSION_TOKEN_PREFIX } from "./auth.service.ts";
import type { Principal } from "./principal.ts";
import { findActiveToken } from "./tokens.repository.ts";

export const SESSION_COOKIE = "liaison_session";
/** Readable by the page's script, which echoes it in the x-csrf-token header (double submit). */
export const CSRF_COOKIE = "liaison_csrf";
export const CSRF_HEADER = "x-csrf-token";

/**
 * One way of proving who a request comes from. It answers undefined when the request carries no credential of
 * its kind (the next authenticator is tried) and throws when it carries one that is bad. New ways (an OIDC
 * bearer token from the party's identity provider) are added as one more entry in the list given to the node.
 */
export interface Authenticator {
  name: string;
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
}

export async function authenticateWith(
  authenticators: readonly Authenticator[],
  request: FastifyRequest,
): Promise<Principal> {
  for (const authenticator of authenticators) {
    const principal = await authenticator.authenticate(request);
    if (principal) return principal;
  }
  throw unauthorized("LIAISON_AUTH_REQUIRED", "authentication required: log in, or send Authorization: Bearer <token>");
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthorized("LIAISON_AUTH_INVALID_TOKEN", "the Authorization header must be Bearer <token>");
  return match[1];
}

/** API tokens (the bootstrap administrator token, tokens issued to tools). */
export function apiTokenAuthenticator(db: Db, clock: Clock, party: string): Authenticator {
  return {
    name: "api-token",
    async authenticate(request) {
      const token = bearerOf(request);
      if (!token || token.startsWith(SESSION_TOKEN_PREFIX)) return undefined;
      const row = await findActiveToken(db, token, clock.now());
      if (!row) throw unauthorized("LIAISON_AUTH_INVALID_TOKEN", "the token is unknown, revoked or expired");
      return { id: row.principal, username: row.principal, role: row.role, party, authMethod: "api-token" };
    },
  };
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route serves a session that may only enrol a second factor (who am I, enrol, confirm, log out). */
    secondFactorEnrolment?: boolean;
  }
}

/**
 * An administrator or approver signed in before enrolling the second factor their role requires reaches only the
 * routes that let them enrol; anything else is refused until they have.
 */
function refuseRestricted(request: FastifyRequest, principal: Principal): void {
  if (principal.restriction !== "totp-enrolment" || request.routeOptions.config.secondFactorEnrolment) return;
  throw forbidden(
    "LIAISON_AUTH_TOTP_ENROLMENT_REQUIRED",
    "your role requires a second factor: enrol one (POST /api/v1/auth/totp/enrolment) before anything else",
  );
}

/** A login session's token sent as a bearer token (CLI, scripts): no cookie, so no CSRF exposure. */
export function sessionBearerAuthenticator(auth: AuthService): Authenticator {
  return {
    name: "session-bearer",
    async authenticate(request) {
      const token = bearerOf(request);
      if (!token?.startsWith(SESSION_TOKEN_PREFIX)) return undefined;
      const principal = await auth.principalForSession(token);
      if (!principal) throw unauthorized("LIAISON_AUTH_INVALID_TOKEN", "the session is unknown, ended or expired");
      refuseRestricted(request, principal);
      return { ...principal, authMethod: "session-bearer" };
    },
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The browser's session cookie. A browser sends cookies on cross-site requests too, so a state-changing request
 * must also carry the CSRF token, which only a page of this origin can read.
 */
export function sessionCookieAuthenticator(auth: AuthService): Authenticator {
  return {
    name: "session-cookie",
    async authenticate(request) {
      if (request.headers.authorization !== undefined) return undefined;
      const token = request.cookies?.[SESSION_COOKIE];
      if (!token) return undefined;
      const principal = await auth.principalForSession(token);
      if (!principal) throw unauthorized("LIAISON_AUTH_INVALID_TOKEN", "the session is unknown, ended or expired");
      if (!SAFE_METHODS.has(request.method)) {
        const given = request.headers[CSRF_HEADER];
        if (!csrfTokenMatches(token, typeof given === "string" ? given : undefined)) {
          throw forbidden(
            "LIAISON_AUTH_CSRF",
            `a request that changes state with a session cookie needs the ${CSRF_HEADER} header (the ${CSRF_COOKIE} cookie)`,
          );
        }
      }
      refuseRestricted(request, principal);
      return { ...principal, authMethod: "session-cookie" };
    },
  };
}
