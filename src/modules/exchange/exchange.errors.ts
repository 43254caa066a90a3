import { LiaisonError } from "../../core/errors.ts";

/** Raises LIAISON_EXCHANGE_<code>; every code is listed in docs/errors.md (the error-code test reads the calls). */
export const exchangeError = (code: string, status: number, message: string, details?: Record<string, unknown>) =>
  new LiaisonError(`LIAISON_EXCHANGE_${code}`, status, message, details);
