import type { TLSSocket } from "node:tls";
import type { FastifyRequest } from "fastify";
import { LiaisonError } from "../../core/errors.ts";

/** How long an address stays trusted after it delivered an envelope a pinned key signed. */
export const TRUSTED_ADDRESS_MS = 15 * 60 * 1000;
/** Addresses remembered at most; the least recently seen go first. */
const MAX_TRUSTED_ADDRESSES = 1024;

/**
 * Client addresses that recently delivered an envelope signed by a pinned peer. A peer's node posts many
 * batches a minute, so a per-address limit low enough to stop a stranger would throttle it: addresses that
 * proved themselves this way skip the limit, everything else is unauthenticated traffic and is limited.
 */
export class TrustedAddresses {
  /** address -> when its trust ends (monotonic ms); Map order is recency order. */
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs = TRUSTED_ADDRESS_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  trust(address: string): void {
    this.until.delete(address);
    this.until.set(address, this.now() + this.ttlMs);
    if (this.until.size > MAX_TRUSTED_ADDRESSES) this.until.delete(this.until.keys().next().value as string);
  }

  has(address: string): boolean {
    const until = this.until.get(address);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(address);
    return false;
  }
}

/**
 * The inbox route's @fastify/rate-limit options: requests per minute per client address, except from an address
 * that is trusted (above) or a client whose certificate the server verified (mutual TLS). A refused request is
 * answered 429 `LIAISON_FEDERATION_INBOX_RATE_LIMITED` before its body is read: nothing is decrypted, counted
 * as a rejection or stored.
 */
export function inboxRateLimit(
  perMinute: number,
  trusted: TrustedAddresses,
  onLimited: () => void,
): Record<string, unknown> {
  return {
    max: perMinute,
    timeWindow: 60_000,
    // Before the body is parsed, so a refused request costs no parsing.
    hook: "onRequest",
    allowList: (request: FastifyRequest) =>
      trusted.has(request.ip) || (request.raw.socket as TLSSocket).authorized === true,
    onExceeded: onLimited,
    errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) =>
      new LiaisonError(
        "LIAISON_FEDERATION_INBOX_RATE_LIMITED",
        429,
        `too many requests from this address that no pinned peer signed; retry in ${context.after}`,
      ),
  };
}
