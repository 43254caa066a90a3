import type { Logger } from "pino";
import type { FederationConfig } from "../../config/config.schema.ts";
import type { AuditEvent } from "../../core/change.ts";
import type { Clock } from "../../core/clock.ts";
import { isLiaisonError } from "../../core/errors.ts";
import type { Metrics } from "../../core/metrics.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import { verifyReceipt } from "./envelope-crypto.ts";
import type { FederationClient } from "./federation.client.ts";
import { type ClaimedEnvelope, claimOutboxBatch, type DeliveryOutcome, settleOutbox } from "./outbox.repository.ts";
import { assertPeerKeyValidAt, type PeerDirectory } from "./peers.service.ts";

export interface DeliveryWorkerDeps {
  db: Db;
  clock: Clock;
  config: FederationConfig;
  party: string;
  peers: PeerDirectory;
  client: FederationClient;
  metrics: Metrics;
  logger: Logger;
  /** Settlements and their audit records commit through the change runner, like every other change. */
  changes: ChangeRunner;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  /** A lane was woken and has not sent its claim yet: commits until then are in that claim. */
  private claimPending = false;
  private poller: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DeliveryWorkerDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lanes = Array.from({ length: this.deps.config.concurrency }, () => this.lane());
    // One poll for the whole worker, not one per lane: it finds retries falling due and rows that another
    // process of this node committed.
    this.poller = setInterval(() => this.wake(), this.deps.config.pollIntervalMs);
    this.poller.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.poller);
    for (const waiter of this.waiters.splice(0)) waiter();
    await Promise.all(this.lanes);
    this.lanes = [];
  }

  /**
   * New outbox rows were committed (or the poll is due): one idle lane looks. Waking them all would send every
   * lane to claim the same few rows, all but one coming back empty; a lane that finds a full batch wakes the
   * next itself, and while a woken lane has not claimed yet, further wakes are already covered by its claim.
   */
  wake(): void {
    if (this.claimPending) return;
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.pendingWake = true;
      return;
    }
    this.claimPending = true;
    waiter();
  }

  /** Wait to be woken; then linger briefly so the commits arriving together leave in one batch. */
  private async idle(): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      this.claimPending = true;
    } else {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const linger = this.deps.config.lingerMs;
    if (linger > 0 && this.running) await sleep(linger);
  }

  private async lane(): Promise<void> {
    while (this.running) {
      let delivered = 0;
      try {
        delivered = await this.deliverOnce();
      } catch (error) {
        this.claimPending = false;
        this.deps.logger.error({ err: error }, "delivery lane failed; retrying shortly");
        await sleep(this.deps.config.pollIntervalMs * 5);
      }
      // A batch short of full took every row that was due: commits since then have woken a lane (or left a
      // pending wake), so looking again at once would be a claim that finds nothing, one per delivery round.
      if (delivered < this.deps.config.batchSize && this.running) await this.idle();
    }
  }

  /** One claim-send-settle round; returns how many envelopes it handled. Exposed for tests and the CLI. */
  async deliverOnce(): Promise<number> {
    const { db, clock, config, metrics } = this.deps;
    this.claimPending = false; // commits from here on need a claim of their own
    const claimStarted = clock.now();
    const claim = metrics.deliveryStage.startTimer({ stage: "claim" });
    const claimed = await claimOutboxBatch(db, claimStarted, config.batchSize, config.leaseSeconds);
    if (claimed.length === 0) return 0;
    claim();
    for (const row of claimed) {
      metrics.deliveryStage.observe({ stage: "queued" }, (claimStarted.getTime() - row.queued_at.getTime()) / 1000);
    }
    // Another lane may be idle while this one has a full batch: let it look too.
    if (claimed.length === config.batchSize) this.wake();
    const byPeer = new Map<string, ClaimedEnvelope[]>();
    for (const row of claimed) byPeer.set(row.peer, [...(byPeer.get(row.peer) ?? []), row]);
    const outcomes = (await Promise.all([...byPeer].map(([peer, rows]) => this.sendToPeer(peer, rows)))).flat();
    const settle = metrics.deliveryStage.startTimer({ stage: "settle" });
    // A batch of retries only records nothing: a retry is an attempt, not an event (see ChangeRunner.run).
    const { at, settled } = await this.deps.changes.run(
      async (change) => {
        const ids = await settleOutbox(change.tx, change.at, outcomes);
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
        change.audit(...audits);
        return { at: change.at, settled: ids };
      },
      { recordsNothing: "bookkeeping" },
    );
    settle();
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
    this.deps.metrics.deliveryStage.observe({ stage: "post" }, durationMs / 1000);
    const verify = this.deps.metrics.deliveryStage.startTimer({ stage: "verify" });
    const outcomes = await Promise.all(
      rows.map(async (row, i): Promise<DeliveryOutcome> => {
        const result = results[i];
        if (result && "receipt" in result) {
          try {
            const { kid } = decodeKid(result.receipt);
            const key = peer.signingKeys.get(kid);
            if (!key) throw new Error(`receipt signed by unknown key ${kid}`);
            const receipt = await verifyReceipt(result.receipt, key);
            // A receipt cannot predate the envelope it answers (give or take the clocks' skew): that bounds how
            // far a retired key's receipt could be backdated.
            const sentAt = row.queued_at.getTime() - this.deps.config.maxClockSkewSeconds * 1000;
            assertPeerKeyValidAt(peer, kid, new Date(Math.max(Date.parse(receipt.receivedAt), sentAt)));
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
    verify();
    return outcomes;
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
