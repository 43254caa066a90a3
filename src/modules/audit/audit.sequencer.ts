import type { Logger } from "pino";
import type { Db } from "../../db/database.ts";
import { sequenceAuditQueue } from "./audit.repository.ts";

// Queue rows (changes) per sequencing transaction: a few thousand leaves, one lock acquisition.
const BATCH = 2000;

/**
 * Makes queued audit records leaves of the Merkle log, many per transaction. Concurrent changes each call
 * `flush` after their commit; calls that arrive while a drain runs share the next one, so one lock acquisition
 * serves every change committed in the meantime (group commit for the log). `flush` never rejects: a failed drain
 * is logged and the periodic drain (and the next change) tries again; the records wait safely in the queue.
 */
export class AuditSequencer {
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

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

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const sequenced = await this.db.transaction().execute((tx) => sequenceAuditQueue(tx, BATCH));
        if (sequenced < BATCH) return;
      }
    } catch (error) {
      this.logger.error({ err: error }, "sequencing audit records failed; they stay queued and are retried");
    }
  }
}
