import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import type { Metrics } from "../../core/metrics.ts";
import { RecurringTask } from "../../core/recurring-task.ts";
import type { ChangeRunner } from "../../db/changes.ts";

/**
 * The codes of refusals made before any pinned key's signature verified: what a stranger can cause. A fixed set,
 * so neither a metric label nor a summary can carry anything else; a code outside it (a future one, an
 * unexpected failure) is counted as `other`.
 */
export const UNAUTHENTICATED_REJECTION_CODES = [
  "LIAISON_FEDERATION_ENVELOPE_MALFORMED",
  "LIAISON_FEDERATION_ENVELOPE_TOO_LARGE",
  "LIAISON_FEDERATION_ENVELOPE_ALGORITHM",
  "LIAISON_FEDERATION_UNKNOWN_RECIPIENT_KEY",
  "LIAISON_FEDERATION_ENVELOPE_DECRYPT_FAILED",
  "LIAISON_FEDERATION_SIGNATURE_MALFORMED",
  "LIAISON_FEDERATION_UNKNOWN_SIGNING_KEY",
  "LIAISON_FEDERATION_SIGNATURE_INVALID",
  // A signature by a pinned key that may not vouch for it (yet to be checked against the signed payload).
  "LIAISON_FEDERATION_PAYLOAD_INVALID",
  "LIAISON_FEDERATION_PAYLOAD_NOT_CANONICAL",
  "LIAISON_FEDERATION_SIGNER_MISMATCH",
  "LIAISON_FEDERATION_KEY_RETIRED",
  "LIAISON_FEDERATION_KEY_REVOKED",
] as const;

const KNOWN = new Set<string>(UNAUTHENTICATED_REJECTION_CODES);
export const OTHER_REJECTION = "other";

/** At most one summary per this long (per process). */
export const REJECTION_SUMMARY_INTERVAL_MS = 60_000;

/** How often the process looks whether a summary is due; the interval above is what bounds the summaries. */
const CHECK_EVERY_MS = 10_000;

export interface RejectionSummaryDeps {
  clock: Clock;
  changes: ChangeRunner;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Refusals of envelopes that no pinned key signed. A stranger can send any number of them, so none becomes an
 * audit leaf of its own (that would let anyone grow the permanent log, with text of their choosing): each is
 * counted (metric `liaison_inbox_unauthenticated_rejections_total{code}`), and at most once a minute the counts
 * since the last summary become one audit record, `envelope.reject.summary`, holding the window, the total and
 * the count per code: nothing the sender chose. Counts not yet summarised when the node stops are written then;
 * a crash loses them from the log (the metric had them).
 */
export class UnauthenticatedRejections {
  private counts = new Map<string, number>();
  private since: Date | undefined;
  /** Clock time of the last summary; the first may come a full interval after start. */
  private lastSummaryAt: number;
  private writing: Promise<boolean> | undefined;
  private readonly task: RecurringTask;

  constructor(private readonly deps: RejectionSummaryDeps) {
    this.lastSummaryAt = deps.clock.now().getTime();
    this.task = new RecurringTask(
      () => this.summarizeIfDue(),
      (error) => deps.logger.error({ err: error }, "writing the summary of unauthenticated rejections failed"),
    );
  }

  count(code: string): void {
    const label = KNOWN.has(code) ? code : OTHER_REJECTION;
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    this.since ??= this.deps.clock.now();
    this.deps.metrics.inboxUnauthenticatedRejections.inc({ code: label });
  }

  /** Write the summary when there is something to summarise and the last one is at least an interval old. */
  async summarizeIfDue(): Promise<boolean> {
    if (this.counts.size === 0) return false;
    if (this.deps.clock.now().getTime() - this.lastSummaryAt < REJECTION_SUMMARY_INTERVAL_MS) return false;
    return this.summarize();
  }

  start(): void {
    this.task.start(CHECK_EVERY_MS);
  }

  /** Stop checking, and write what is still counted so a clean stop loses nothing. */
  async close(): Promise<void> {
    await this.task.stop();
    await this.writing;
    if (this.counts.size > 0) await this.summarize();
  }

  private summarize(): Promise<boolean> {
    this.writing ??= this.write().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async write(): Promise<boolean> {
    const counts = this.counts;
    const since = this.since as Date;
    this.counts = new Map();
    this.since = undefined;
    const until = this.deps.clock.now();
    this.lastSummaryAt = until.getTime();
    let total = 0;
    for (const n of counts.values()) total += n;
    try {
      await this.deps.changes.run(async (change) => {
        change.audit({
          actor: "peer:unauthenticated",
          action: "envelope.reject.summary",
          outcome: "failure",
          details: {
            since: since.toISOString(),
            until: until.toISOString(),
            total,
            counts: Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
          },
        });
      });
      return true;
    } catch (error) {
      // Put the counts back, so the next summary carries them.
      for (const [code, n] of counts) this.counts.set(code, (this.counts.get(code) ?? 0) + n);
      this.since = since; // earlier than anything counted while this one was being written
      throw error;
    }
  }
}

/** A refusal of an envelope whose signature a pinned peer's key verified. */
export interface AuthenticatedRejection {
  party: string;
  digest: string;
  code: string;
  detail: string;
  bytes: number | null;
}

/** A refusal's text is ours, but may quote what the peer sent (a type name, a date): kept short. */
const MAX_DETAIL_CHARS = 500;

/**
 * One audit record per refusal, in one change: the peer's signature makes it accountable for what it sent, and
 * the operator needs each refusal to settle it with the peer.
 */
export async function auditAuthenticatedRejections(
  changes: ChangeRunner,
  rejections: readonly AuthenticatedRejection[],
  requestId?: string,
): Promise<void> {
  await changes.run(async (change) => {
    change.audit(
      ...rejections.map((r) => ({
        actor: `peer:${r.party}`,
        action: "envelope.reject",
        subject: r.digest,
        outcome: "failure",
        requestId,
        details: {
          code: r.code,
          detail: r.detail.length > MAX_DETAIL_CHARS ? `${r.detail.slice(0, MAX_DETAIL_CHARS)}…` : r.detail,
          bytes: r.bytes,
        },
      })),
    );
  });
}
