import type { KeyLike } from "jose";
import type { Logger } from "pino";
import type { FederationConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import { ConcurrencyLimit } from "../../core/concurrency-limit.ts";
import { type EnvelopePayload, envelopeDigest } from "../../core/envelope.ts";
import { isLiaisonError, type LiaisonError } from "../../core/errors.ts";
import type { Metrics } from "../../core/metrics.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { KeyRing } from "../keys/keys.service.ts";
import {
  decryptEnvelope,
  ENVELOPE_TYP,
  federationError,
  parseEnvelopePayload,
  readJweHeader,
  readJwsHeader,
  signReceipt,
  verifyJws,
} from "./envelope-crypto.ts";
import type { EnvelopeHandler, EnvelopeHandlers } from "./envelope-handlers.ts";
import type { EnvelopeResult } from "./federation.schema.ts";
import { TrustedAddresses } from "./inbox.rate-limit.ts";
import {
  type AuthenticatedRejection,
  auditAuthenticatedRejections,
  UnauthenticatedRejections,
} from "./inbox.rejections.ts";
import { findInboxByDigests, findInboxByIds, insertInboxEnvelopes } from "./inbox.repository.ts";
import type { PeerRateLimiter } from "./peer-rate-limiter.ts";
import { isSelfRevocation } from "./peers.revocation.ts";
import { assertPeerKeyValidAt, type PeerDirectory } from "./peers.service.ts";

export interface InboxDeps {
  db: Db;
  clock: Clock;
  party: string;
  config: FederationConfig;
  keys: KeyRing;
  peers: PeerDirectory;
  handlers: EnvelopeHandlers;
  changes: ChangeRunner;
  rateLimiter: PeerRateLimiter;
  metrics: Metrics;
  logger: Logger;
}

/** Errors the sender should retry; everything else is final for that envelope. */
const RETRYABLE = new Set(["LIAISON_FEDERATION_RATE_LIMITED", "LIAISON_FEDERATION_HANDLER_FAILED"]);

interface Accepted {
  index: number;
  jwe: string;
  digest: string;
  payload: EnvelopePayload;
  handler: EnvelopeHandler;
  body: unknown;
  receipt: string;
  receivedAt: Date;
}

/**
 * The receiving side of federation: verify, decrypt, validate, dedupe, hand to the module, sign a receipt.
 * Idempotent by envelope id: the same envelope again gets the same receipt; other bytes under a known id are
 * refused. Bad envelopes are refused with a specific code and store nothing. A refusal after a pinned peer's
 * signature verified is an audit record of its own; one before (anyone can cause it) is only counted, and
 * summarised in the log at most once a minute (inbox.rejections.ts).
 */
export class InboxService {
  /** Shared by every request: a peer's batch size and concurrency must not decide this node's memory. */
  private readonly verifySlots: ConcurrencyLimit;
  /** Client addresses that delivered an envelope a pinned key signed: the inbox's rate limit lets them by. */
  readonly trustedAddresses = new TrustedAddresses();
  readonly unauthenticated: UnauthenticatedRejections;

  constructor(private readonly deps: InboxDeps) {
    this.verifySlots = new ConcurrencyLimit(deps.config.inboxVerifyConcurrency);
    this.unauthenticated = new UnauthenticatedRejections(deps);
  }

  /** Start the periodic summary of unauthenticated rejections. */
  start(): void {
    this.unauthenticated.start();
  }

  async close(): Promise<void> {
    await this.unauthenticated.close();
  }

  /** A request was refused by the per-address limit of unauthenticated traffic. */
  countRateLimited(): void {
    this.deps.metrics.inboxRateLimited.inc();
  }

  async receiveBatch(jwes: readonly unknown[], requestId?: string, clientAddress?: string): Promise<EnvelopeResult[]> {
    const results: EnvelopeResult[] = new Array(jwes.length);
    /** The party whose pinned key verified each envelope's signature, once it did. */
    const signedBy: (string | undefined)[] = new Array(jwes.length);
    const digests = jwes.map((jwe) => (typeof jwe === "string" ? envelopeDigest(jwe) : ""));
    const known = new Map((await findInboxByDigests(this.deps.db, digests.filter(Boolean))).map((r) => [r.digest, r]));

    const verifying = this.deps.metrics.inboxStage.startTimer({ stage: "verify" });
    const verified = await Promise.all(
      jwes.map(async (jwe, index) => {
        const digest = digests[index] as string;
        const seen = known.get(digest);
        if (seen) {
          results[index] = { envelopeId: seen.envelope_id, receipt: seen.receipt };
          return undefined;
        }
        try {
          return await this.verifySlots.run(() =>
            this.verify(jwe, index, digest, (party) => {
              signedBy[index] = party;
            }),
          );
        } catch (error) {
          results[index] = this.errorResult(error);
          return undefined;
        }
      }),
    );
    verifying();
    let accepted = verified.filter((v): v is Accepted => v !== undefined);

    // An id already stored under other bytes is a replay with different content: refuse it.
    const existing = new Map(
      (
        await findInboxByIds(
          this.deps.db,
          accepted.map((a) => a.payload.id),
        )
      ).map((r) => [r.envelope_id, r]),
    );
    const seenInBatch = new Map<string, Accepted>();
    accepted = accepted.filter((a) => {
      const prior = existing.get(a.payload.id);
      const twin = seenInBatch.get(a.payload.id);
      if (prior || twin) {
        results[a.index] =
          (prior?.digest ?? twin?.digest) === a.digest
            ? { envelopeId: a.payload.id, receipt: prior?.receipt ?? (twin as Accepted).receipt }
            : this.errorResult(
                federationError(
                  "ENVELOPE_ID_CONFLICT",
                  `envelope ${a.payload.id} was already received with other content`,
                  409,
                ),
              );
        return false;
      }
      seenInBatch.set(a.payload.id, a);
      return true;
    });

    accepted = accepted.filter((a) => {
      if (this.deps.rateLimiter.tryTake(a.payload.from)) return true;
      results[a.index] = this.errorResult(
        federationError("RATE_LIMITED", `too many envelopes from ${a.payload.from}`, 429),
      );
      return false;
    });

    if (accepted.length > 0) {
      const storing = this.deps.metrics.inboxStage.startTimer({ stage: "store" });
      await this.store(accepted, results, requestId);
      storing();
    }
    if (clientAddress !== undefined && signedBy.some((party) => party !== undefined)) {
      this.trustedAddresses.trust(clientAddress);
    }
    await this.recordRejections(jwes, results, digests, signedBy, requestId);
    return results;
  }

  /** `onSigned` is told the peer as soon as its pinned key verified the signature: refusals after that are its. */
  private async verify(
    jwe: unknown,
    index: number,
    digest: string,
    onSigned: (party: string) => void,
  ): Promise<Accepted> {
    const { keys, peers, party, config, clock, handlers } = this.deps;
    if (typeof jwe !== "string") throw federationError("ENVELOPE_MALFORMED", "an envelope must be a string");
    if (Buffer.byteLength(jwe) > config.maxEnvelopeBytes) {
      throw federationError("ENVELOPE_TOO_LARGE", `an envelope may be at most ${config.maxEnvelopeBytes} bytes`, 413);
    }
    const { kid } = readJweHeader(jwe);
    const key = keys.byKid.get(kid);
    if (key?.use !== "enc") {
      throw federationError(
        "UNKNOWN_RECIPIENT_KEY",
        `the envelope is encrypted to key ${kid}, which this node does not hold`,
      );
    }
    const jws = await decryptEnvelope(jwe, key);
    const signer = readJwsHeader(jws, ENVELOPE_TYP);
    const peer = await peers.findBySigningKid(signer.kid);
    if (!peer) throw federationError("UNKNOWN_SIGNING_KEY", `signing key ${signer.kid} belongs to no pinned peer`, 401);
    const { value } = await verifyJws(jws, peer.signingKeys.get(signer.kid) as KeyLike);
    const payload = parseEnvelopePayload(value);
    if (payload.from !== peer.party) {
      throw federationError(
        "SIGNER_MISMATCH",
        `signed by ${peer.party}'s key but claims to be from ${payload.from}`,
        401,
      );
    }
    // A retired key vouches only for what it signed before its retirement (the window below bounds backdating);
    // a revoked one for nothing.
    assertPeerKeyValidAt(peer, signer.kid, payload.createdAt, {
      selfRevocation: isSelfRevocation(payload, signer.kid),
    });
    // Only now does a pinned key that may vouch for this envelope stand behind it.
    onSigned(peer.party);
    if (payload.to !== party)
      throw federationError("WRONG_RECIPIENT", `the envelope is addressed to ${payload.to}, not ${party}`);
    const now = clock.now().getTime();
    const created = new Date(payload.createdAt).getTime();
    if (created < now - config.maxEnvelopeAgeSeconds * 1000) {
      throw federationError(
        "ENVELOPE_STALE",
        `the envelope was created at ${payload.createdAt}, beyond the accepted age`,
      );
    }
    if (created > now + config.maxClockSkewSeconds * 1000) {
      throw federationError("ENVELOPE_FUTURE", `the envelope is dated ${payload.createdAt}, in the future`);
    }
    const handler = handlers.get(payload.type);
    if (!handler?.versions.includes(payload.version)) {
      throw federationError("UNSUPPORTED_TYPE", `this node does not handle ${payload.type} version ${payload.version}`);
    }
    const body = handler.body.safeParse(payload.body);
    if (!body.success) {
      throw federationError("PAYLOAD_INVALID", `invalid ${payload.type} body: ${body.error.issues[0]?.message ?? "?"}`);
    }
    const receivedAt = clock.now();
    const receipt = await signReceipt(
      { envelopeId: payload.id, digest, receivedAt: receivedAt.toISOString() },
      keys.signing,
    );
    return { index, jwe, digest, payload, handler, body: body.data, receipt, receivedAt };
  }

  /** One transaction for the whole batch; if any handler fails, each envelope gets its own so one cannot sink the rest. */
  private async store(accepted: Accepted[], results: EnvelopeResult[], requestId?: string): Promise<void> {
    try {
      const raced = await this.deps.changes.run(async (change) => {
        const stored = await insertInboxEnvelopes(
          change.tx,
          accepted.map((a) => ({
            envelope_id: a.payload.id,
            from_party: a.payload.from,
            type: a.payload.type,
            digest: a.digest,
            jwe: a.jwe,
            payload: a.handler.atRest ? { ...a.payload, body: a.handler.atRest(a.body) } : a.payload,
            receipt: a.receipt,
            received_at: a.receivedAt,
          })),
        );
        await this.handleStored(
          change,
          accepted.filter((a) => stored.has(a.payload.id)),
          requestId,
        );
        return accepted.filter((a) => !stored.has(a.payload.id));
      });
      for (const a of accepted) results[a.index] = { envelopeId: a.payload.id, receipt: a.receipt };
      await this.resolveRaced(raced, results);
    } catch (error) {
      if (accepted.length === 1) {
        results[(accepted[0] as Accepted).index] = this.errorResult(this.handlerError(error));
        return;
      }
      for (const a of accepted) await this.store([a], results, requestId);
    }
  }

  /** Hand the stored envelopes to their modules, a handler's whole share at once when it can take it. */
  private async handleStored(
    change: Parameters<Parameters<ChangeRunner["run"]>[0]>[0],
    stored: Accepted[],
    requestId?: string,
  ): Promise<void> {
    const byHandler = new Map<EnvelopeHandler, Accepted[]>();
    for (const a of stored) byHandler.set(a.handler, [...(byHandler.get(a.handler) ?? []), a]);
    for (const [handler, group] of byHandler) {
      const inbound = group.map((a) => ({
        payload: { ...a.payload, body: a.body as Record<string, unknown> },
        digest: a.digest,
        receivedAt: a.receivedAt,
      }));
      if (handler.handleMany) await handler.handleMany(change, inbound);
      else for (const envelope of inbound) await handler.handle(change, envelope);
    }
    change.audit(
      ...stored.map((a) => ({
        actor: `peer:${a.payload.from}`,
        action: "envelope.receive",
        subject: a.payload.id,
        outcome: "success",
        requestId,
        details: { type: a.payload.type, digest: a.digest },
      })),
    );
    for (const a of stored) this.deps.metrics.envelopesReceived.inc({ peer: a.payload.from, type: a.payload.type });
  }

  /** A concurrent request stored the same id first: answer as a duplicate or a conflict. */
  private async resolveRaced(raced: Accepted[], results: EnvelopeResult[]): Promise<void> {
    if (raced.length === 0) return;
    const rows = new Map(
      (
        await findInboxByIds(
          this.deps.db,
          raced.map((a) => a.payload.id),
        )
      ).map((r) => [r.envelope_id, r]),
    );
    for (const a of raced) {
      const row = rows.get(a.payload.id);
      results[a.index] =
        row && row.digest === a.digest
          ? { envelopeId: a.payload.id, receipt: row.receipt }
          : this.errorResult(
              federationError(
                "ENVELOPE_ID_CONFLICT",
                `envelope ${a.payload.id} was already received with other content`,
                409,
              ),
            );
    }
  }

  private handlerError(error: unknown): LiaisonError {
    if (isLiaisonError(error)) return error;
    this.deps.logger.error({ err: error }, "envelope handler failed");
    return federationError("HANDLER_FAILED", "the receiving node could not process the envelope; retry later", 503);
  }

  private errorResult(error: unknown): EnvelopeResult {
    const e = isLiaisonError(error) ? error : this.handlerError(error);
    this.deps.metrics.envelopesRejected.inc({ code: e.code });
    return { error: { code: e.code, detail: e.message, retryable: RETRYABLE.has(e.code) } };
  }

  /**
   * Refusals a pinned peer's signature stands behind are audited one by one; the others are counted for the
   * summary, and their summary is written if one is due. A peer's own rate limit is not audited (it is the
   * peer's back-pressure, and the peer retries).
   */
  private async recordRejections(
    jwes: readonly unknown[],
    results: EnvelopeResult[],
    digests: string[],
    signedBy: (string | undefined)[],
    requestId?: string,
  ) {
    const authenticated: AuthenticatedRejection[] = [];
    let strangers = false;
    results.forEach((r, i) => {
      if (!("error" in r) || r.error.code === "LIAISON_FEDERATION_RATE_LIMITED") return;
      const party = signedBy[i];
      if (party === undefined) {
        this.unauthenticated.count(r.error.code);
        strangers = true;
        return;
      }
      const jwe = jwes[i];
      authenticated.push({
        party,
        digest: digests[i] as string,
        code: r.error.code,
        detail: r.error.detail,
        bytes: typeof jwe === "string" ? jwe.length : null,
      });
    });
    if (authenticated.length > 0) await auditAuthenticatedRejections(this.deps.changes, authenticated, requestId);
    if (strangers) {
      await this.unauthenticated
        .summarizeIfDue()
        .catch((error) =>
          this.deps.logger.error({ err: error }, "writing the summary of unauthenticated rejections failed"),
        );
    }
  }
}
