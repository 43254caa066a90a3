import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isLiaisonError, LiaisonError } from "../core/errors.ts";

/** RFC 9457 problem details, with the stable code and the request id an operator can find in the logs. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  instance: string;
  [extra: string]: unknown;
}

export const PROBLEM_BASE = "https://liaison.dev/problems/";

function toLiaisonError(error: unknown): LiaisonError {
  if (isLiaisonError(error)) return error;
  const e = error as FastifyError & { validation?: unknown[] };
  if (e.validation || e.code === "FST_ERR_VALIDATION") {
    return new LiaisonError("LIAISON_REQUEST_INVALID", 400, e.message);
  }
  if (e.code === "FST_ERR_BAD_URL") {
    return new LiaisonError("LIAISON_REQUEST_BAD_PATH", 400, "the path has a malformed percent escape");
  }
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new LiaisonError("LIAISON_REQUEST_TOO_LARGE", 413, e.message);
  if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
    return new LiaisonError("LIAISON_REQUEST_UNSUPPORTED_MEDIA_TYPE", 415, e.message);
  if (
    e.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
    e.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    e instanceof SyntaxError ||
    e.code === "FST_ERR_CTP_INVALID_CONTENT_LENGTH"
  ) {
    return new LiaisonError("LIAISON_REQUEST_MALFORMED", 400, e.message);
  }
  if (e.statusCode === 429) return new LiaisonError("LIAISON_REQUEST_RATE_LIMITED", 429, e.message);
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new LiaisonError("LIAISON_REQUEST_INVALID", e.statusCode, e.message);
  }
  return new LiaisonError("LIAISON_INTERNAL", 500, "internal error; see the node's log for this request id");
}

export function problemFor(error: unknown, request: FastifyRequest): Problem {
  const e = toLiaisonError(error);
  return {
    type: `${PROBLEM_BASE}${e.code}`,
    title: e.code,
    status: e.status,
    detail: e.message,
    code: e.code,
    requestId: String(request.id),
    instance: request.url,
    ...(e.details ?? {}),
  };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: unknown): FastifyReply {
  const problem = problemFor(error, request);
  if (problem.status >= 500) request.log.error({ err: error }, "request failed");
  return reply.status(problem.status).type("application/problem+json").send(problem);
}
