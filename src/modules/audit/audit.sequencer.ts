import type { Logger } from "pino";
import type { Db } from "../../db/database.ts";
import { sequenceAuditQueue } from "./audit.repository.ts";

// Queue rows (changes) per sequencing transaction: a few thousand leaves, one lock acquisition.
const BATCH = 2000;
// How long a committed change's records may wait so that others committed meanwhile share the drain.
const DEFAULT_GATHER_MS = 20;

/**
 * Makes queued audit records leaves of the Merkle log, many per transaction (group commit for the log).
 *
 * Writers call `schedule()` after their commit and go on: the records are durable in the queue, and a drain
 * follows within `gatherMs`, taking every change committed by then in one transaction. A drain costs a handful
 * of queries whatever its size, so gathering is what keeps the log cheap under load (one drain per change would
 * double the queries of a typical change). Readers of the log call `flush()`, which drains at once and resolves
 * when every record committed before the call is a leaf. Neither ever rejects: a failed drain is logged and the
 * records wait safely in the queue for the next one.
 */
export class AuditSequencer {
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  private readonly gatherMs: number;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly options: { gatherMs?: number; observeDrain?: (seconds: number) => void } = {},
  ) {
    this.gatherMs = options.gatherMs ?? DEFAULT_GATHER_MS;
  }

  /** Records were committed: sequence them soon, with whatever else commits in the meantime. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.gatherMs);
  }

  /** Resolves once every record committed before the call has been sequenced (or the attempt failed). */
  flush(): Promise<void> {
    if (!this.current) {
      this.current = this.drain().finally(() => {
        this.current = null;
      });
      return this.current;
    }
    this.next ??= this.current.then(() => {
      this.next = null;
      return this.flush();
    });
    return this.next;
  }

  /** Stop gathering and sequence what is queued (at shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async drain(): Promise<void> {
    const started = performance.now();
    try {
      for (;;) {
        const sequenced = await this.db.transaction().execute((tx) => sequenceAuditQueue(tx, BATCH));
        if (sequenced < BATCH) return;
      }
    } catch (error) {
      this.logger.error({ err: error }, "sequencing audit records failed; they stay queued and are retried");
    } finally {
      this.options.observeDrain?.((performance.now() - started) / 1000);
    }
  }
}
