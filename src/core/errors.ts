/**
 * The one error type of Liaison. Every failure a caller can act on carries a stable code
 * (`LIAISON_<AREA>_<DETAIL>`, documented in docs/errors.md) and an HTTP status; the HTTP layer renders it as
 * application/problem+json. Anything that is not a LiaisonError is a bug and becomes LIAISON_INTERNAL.
 */
export class LiaisonError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, status: number, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "LiaisonError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export const isLiaisonError = (value: unknown): value is LiaisonError => value instanceof LiaisonError;

/** Shorthands for the statuses used across modules; the code still says what happened. */
export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new LiaisonError(code, 400, message, details);
export const unauthorized = (code: string, message: string) => new LiaisonError(code, 401, message);
export const forbidden = (code: string, message: string) => new LiaisonError(code, 403, message);
export const notFound = (code: string, message: string) => new LiaisonError(code, 404, message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new LiaisonError(code, 409, message, details);
