import { z } from "zod";

/**
 * The one shape every error leaves in (RFC 9457 problem details, src/http/problem.ts). It is registered under an
 * id, so the OpenAPI document carries it once, as components.schemas.Problem, and every error response refers to
 * it. Loose: a problem may carry details of its own (the gate's reasons, a retry time).
 */
export const Problem = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    /** A stable LIAISON_<AREA>_<DETAIL> code, each documented in docs/errors.md. */
    code: z.string(),
    requestId: z.string(),
    instance: z.string(),
  })
  .meta({ id: "Problem" });

type Status = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

/** An error response as the OpenAPI document shows it: its codes in the description, the body a Problem. */
function problemResponse(codes: readonly string[]) {
  return {
    description: `Problem codes: ${codes.join(", ")}`,
    content: { "application/problem+json": { schema: Problem } },
  };
}

/**
 * The error responses of one route, by status, each naming the codes it may leave with (a test checks that
 * every code named is documented in docs/errors.md). Spread into `schema.response` beside the success schema.
 * The errors every route shares (invalid request, authentication, policy denial, internal) are added to every
 * route by `withCommonProblems` and need not be repeated.
 */
export function problems(byStatus: Partial<Record<Status, readonly string[]>>) {
  return Object.fromEntries(Object.entries(byStatus).map(([status, codes]) => [status, problemResponse(codes)]));
}

/** What every route may answer, whatever it does. */
export function commonProblems(route: { authenticated: boolean; takesInput: boolean }) {
  return {
    ...(route.takesInput ? { 400: problemResponse(["LIAISON_REQUEST_INVALID", "LIAISON_REQUEST_MALFORMED"]) } : {}),
    ...(route.authenticated
      ? {
          401: problemResponse(["LIAISON_AUTH_REQUIRED", "LIAISON_AUTH_INVALID_TOKEN", "LIAISON_AUTH_CSRF"]),
          403: problemResponse(["LIAISON_POLICY_DENIED"]),
        }
      : {}),
    500: problemResponse(["LIAISON_INTERNAL"]),
  };
}

const CODES = /LIAISON_[A-Z0-9_]+/g;

/**
 * A route's schema with the common error responses merged in: a status the route documents itself keeps its
 * own codes and gains the common ones.
 */
export function withCommonProblems<
  S extends { response?: unknown; body?: unknown; querystring?: unknown; params?: unknown },
>(schema: S, config: unknown): S {
  // A protocol with an error format of its own (TAXII 2.1, src/modules/cyber) documents its errors itself.
  if ((config as { ownErrors?: boolean } | undefined)?.ownErrors) return schema;
  const own = (schema.response ?? {}) as Record<string, unknown>;
  const common = commonProblems({
    authenticated: Boolean((config as { auth?: boolean } | undefined)?.auth),
    takesInput: Boolean(schema.body || schema.querystring || schema.params),
  }) as Record<string, { description: string }>;
  const response: Record<string, unknown> = { ...own };
  for (const [status, problem] of Object.entries(common)) {
    const mine = own[status] as { description?: string } | undefined;
    if (!mine) response[status] = problem;
    else if (typeof mine.description === "string" && mine.description.startsWith("Problem codes:")) {
      const codes = new Set([...(mine.description.match(CODES) ?? []), ...(problem.description.match(CODES) ?? [])]);
      response[status] = problemResponse([...codes]);
    }
  }
  return { ...schema, response };
}
