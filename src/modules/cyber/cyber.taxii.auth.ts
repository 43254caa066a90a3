/**
 * How a TAXII client proves who it is: HTTP Basic with a user of this node (TAXII 2.1 section 1.6.6 names Basic),
 * an API token or a session token as the Basic password, or a bearer token as on the rest of the API. Content
 * negotiation is checked first: a client that cannot take taxii+json 2.1 gets 406 before anything else.
 */
import type { FastifyRequest } from "fastify";
import type { Principal } from "../identity/principal.ts";
import { taxiiErrors } from "./cyber.errors.ts";

export interface TaxiiAuthDeps {
  /** A user's password (identity's AuthService.principalForPassword: the login's checks, without a session). */
  password(username: string, password: string, client: { ip: string; requestId?: string }): Promise<Principal>;
  /** A bearer token (API or session), through the node's authenticators. */
  bearer(token: string): Promise<Principal>;
  /** An API token names a principal, not an agency: the agency of the user it names, if it names one. */
  userAgency(user: string): Promise<string | null | undefined>;
}

const TOKEN_PASSWORD = /^(lsn_|lss_)/;

export async function authenticateTaxii(deps: TaxiiAuthDeps, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) throw taxiiErrors.authRequired();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  let principal: Principal;
  if (basic) {
    const decoded = Buffer.from(basic[1] as string, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 1) throw taxiiErrors.authRequired();
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    principal = TOKEN_PASSWORD.test(password)
      ? await deps.bearer(password)
      : await deps.password(username, password, { ip: request.ip, requestId: String(request.id) });
  } else if (bearer) {
    principal = await deps.bearer(bearer[1] as string);
  } else {
    throw taxiiErrors.authRequired();
  }
  if (!principal.agency && principal.authMethod === "api-token") {
    const agency = await deps.userAgency(principal.id);
    if (agency) principal = { ...principal, agency };
  }
  return { ...principal, requestId: String(request.id) };
}

/**
 * Accept must admit application/taxii+json at version 2.1 (no version means the latest, which is 2.1); a missing
 * Accept, or a wildcard, is served the same. Anything else is 406.
 */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(",").some((part) => {
    const [type, ...parameters] = part.split(";").map((p) => p.trim().toLowerCase());
    const params = new Map(
      parameters.map((p) => {
        const eq = p.indexOf("=");
        return [
          p.slice(0, eq).trim(),
          p
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, ""),
        ] as const;
      }),
    );
    if (params.get("q") === "0" || params.get("q") === "0.0") return false;
    if (type === "*/*" || type === "application/*") return true;
    if (type !== "application/taxii+json") return false;
    const version = params.get("version");
    return version === undefined || version === "2.1";
  });
}

/** Content-Type of a POST: the TAXII envelope at 2.1 (a missing version means 2.1). */
export function isTaxiiContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...parameters] = contentType.split(";").map((p) => p.trim().toLowerCase());
  if (type !== "application/taxii+json") return false;
  const version = parameters.find((p) => p.startsWith("version="))?.slice("version=".length);
  return version === undefined || version === "2.1";
}
