import type { Logger } from "pino";
import type { FederationConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import { isLiaisonError } from "../../core/errors.ts";
import type { Db } from "../../db/database.ts";
import type { Metrics } from "../../node/metrics.ts";
import { type AuditEvent, appendAuditEvents } from "../audit/audit.repository.ts";
import { verifyReceipt } from "./envelope-crypto.ts";
import type { FederationClient } from "./federation.client.ts";
import { type ClaimedEnvelope, claimOutboxBatch, type DeliveryOutcome, settleOutbox } from "./outbox.repository.ts";
import type { PeerDirectory } from "./peers.service.ts";

export interface DeliveryWorkerDeps {
  db: Db;
  clock: Clock;
  config: FederationConfig;
  party: string;
  peers: PeerDirectory;
  client: FederationClient;
  metrics: Metrics;
  logger: Logger;
  /** Sequence the audit records this worker queued (see AuditSequencer). */
  flushAudit?: () => Promise<void>;
}

/** Full-jitter exponential back-off (AWS architecture blog): spreads retries so peers are not hit in waves. */
export function backoffSeconds(attempt: number, baseSeconds: number, maxSeconds: number, random = Math.random): number {
  const ceiling = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return random() * ceiling;
}

/**
 * Drains the outbox: several lanes each claim a batch, post it to the peer, verify the receipts and settle the
 * rows in one transaction. A crash between post and settle only means the batch is sent again after the lease;
 * the receiver's inbox is idempotent, so the second send returns the same receipts.
 */
export class DeliveryWorker {
  private running = false;
  private lanes: Promise<void>[] = [];
  private waiters: (() => void)[] = [];
  private pendingWake = false;

  constructor(private readonly deps: DeliveryWorkerDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lanes = Array.from({ length: this.deps.config.concurrency }, () => this.lane());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await Promise.all(this.lanes);
    this.lanes = [];
  }

  /** New outbox rows were committed: stop waiting. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) this.pendingWake = true;
    for (const resolve of waiters) resolve();
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  private async lane(): Promise<void> {
    while (this.running) {
      let delivered = 0;
      try {
        delivered = await this.deliverOnce();
      } catch (error) {
        this.deps.logger.error({ err: error }, "delivery lane failed; retrying shortly");
        await this.idle(this.deps.config.pollIntervalMs * 5);
      }
      if (delivered === 0 && this.running) await this.idle(this.deps.config.pollIntervalMs);
    }
  }

  /** One claim-send-settle round; returns how many envelopes it handled. Exposed for tests and the CLI. */
  async deliverOnce(): Promise<number> {
    const { db, clock, config } = this.deps;
    const claimed = await claimOutboxBatch(db, clock.now(), config.batchSize, config.leaseSeconds);
    if (claimed.length === 0) return 0;
    // Another lane may be idle while this one has a full batch: let it look too.
    if (claimed.length === config.batchSize) this.wake();
    const byPeer = new Map<string, ClaimedEnvelope[]>();
    for (const row of claimed) byPeer.set(row.peer, [...(byPeer.get(row.peer) ?? []), row]);
    const outcomes = (await Promise.all([...byPeer].map(([peer, rows]) => this.sendToPeer(peer, rows)))).flat();
    const at = clock.now();
    const settled = await db.transaction().execute(async (tx) => {
      const ids = await settleOutbox(tx, at, outcomes);
      // Audit only what this lane settled: a row another lane already settled is not delivered twice.
      const audits: AuditEvent[] = outcomes
        .filter((o) => o.outcome !== "retry" && ids.has(o.envelopeId))
        .map((o) => ({
          actor: `node:${this.deps.party}`,
          action: o.outcome === "delivered" ? "envelope.delivered" : "envelope.dead-lettered",
          subject: o.envelopeId,
          outcome: o.outcome === "delivered" ? "success" : "failure",
          details: o.outcome === "delivered" ? { receipt: o.receipt } : { code: o.errorCode, error: o.error },
        }));
      await appendAuditEvents(tx, this.deps.party, at, audits);
      return ids;
    });
    const rows = new Map(claimed.map((c) => [c.envelope_id, c]));
    for (const o of outcomes) {
      const row = rows.get(o.envelopeId);
      if (!row) continue;
      if (o.outcome === "delivered") {
        if (!settled.has(o.envelopeId)) continue;
        this.deps.metrics.envelopesDelivered.inc({ peer: row.peer });
        this.deps.metrics.deliveryLatency.observe({ peer: row.peer }, (at.getTime() - row.queued_at.getTime()) / 1000);
      } else {
        this.deps.metrics.deliveryFailures.inc({ peer: row.peer, code: o.errorCode ?? "UNKNOWN" });
      }
    }
    return claimed.length;
  }

  private async sendToPeer(party: string, rows: ClaimedEnvelope[]): Promise<DeliveryOutcome[]> {
    const started = performance.now();
    const peer = await this.deps.peers.get(party);
    if (!peer) {
      return rows.map((row) =>
        this.failure(
          row,
          "LIAISON_FEDERATION_UNKNOWN_PEER",
          `no pinned peer ${party}`,
          true,
          performance.now() - started,
        ),
      );
    }
    let results: Awaited<ReturnType<FederationClient["postEnvelopes"]>>;
    try {
      results = await this.deps.client.postEnvelopes(
        peer.baseUrl,
        rows.map((r) => r.jwe),
      );
    } catch (error) {
      const code = isLiaisonError(error) ? error.code : "LIAISON_FEDERATION_PEER_UNREACHABLE";
      return rows.map((row) => this.failure(row, code, (error as Error).message, true, performance.now() - started));
    }
    const durationMs = performance.now() - started;
    return Promise.all(
      rows.map(async (row, i): Promise<DeliveryOutcome> => {
        const result = results[i];
        if (result && "receipt" in result) {
          try {
            const { kid } = decodeKid(result.receipt);
            const key = peer.signingKeys.get(kid);
            if (!key) throw new Error(`receipt signed by unknown key ${kid}`);
            const receipt = await verifyReceipt(result.receipt, key);
            if (receipt.envelopeId !== row.envelope_id || receipt.digest !== row.digest) {
              throw new Error("receipt names another envelope or digest");
            }
            return { envelopeId: row.envelope_id, outcome: "delivered", receipt: result.receipt, durationMs };
          } catch (error) {
            return this.failure(row, "LIAISON_FEDERATION_RECEIPT_INVALID", (error as Error).message, true, durationMs);
          }
        }
        const err =
          result && "error" in result ? result.error : { code: "UNKNOWN", detail: "no result", retryable: true };
        return this.failure(row, err.code, err.detail, err.retryable, durationMs);
      }),
    );
  }

  private failure(
    row: ClaimedEnvelope,
    code: string,
    error: string,
    retryable: boolean,
    durationMs: number,
  ): DeliveryOutcome {
    const { clock, config } = this.deps;
    const now = clock.now();
    const age = (now.getTime() - row.queued_at.getTime()) / 1000;
    if (!retryable || age >= config.deadLetterAfterSeconds) {
      return { envelopeId: row.envelope_id, outcome: "dead", errorCode: code, error, durationMs };
    }
    const delay = backoffSeconds(row.attempts, config.retryBaseSeconds, config.retryMaxSeconds);
    return {
      envelopeId: row.envelope_id,
      outcome: "retry",
      errorCode: code,
      error,
      nextAttemptAt: new Date(now.getTime() + delay * 1000),
      durationMs,
    };
  }
}

function decodeKid(jws: string): { kid: string } {
  const header = JSON.parse(Buffer.from(jws.split(".")[0] ?? "", "base64url").toString("utf8")) as { kid?: string };
  if (typeof header.kid !== "string") throw new Error("receipt has no kid");
  return { kid: header.kid };
}
