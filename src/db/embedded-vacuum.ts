import { sql } from "kysely";
import type { Logger } from "pino";
import type { Db } from "./database.ts";

/**
 * The tables whose rows are updated or deleted as a matter of course, a few times per envelope or change. Every
 * other table only grows, or changes rarely enough that pruning on access keeps it in shape.
 */
export const CHURNING_TABLES = [
  "outbox",
  "peer_delivery_totals",
  "audit_queue",
  "audit_log_head",
  "sessions",
  "login_failures",
] as const;

/**
 * Autovacuum for the embedded database. PGlite runs PostgreSQL in single-user mode, which has no autovacuum (nor
 * the statistics it decides by), so the dead rows of the tables above were never reclaimed: after 6,000 notices a
 * delivery claim walked the outbox's dead index entries and cost 2.4 times what it cost on a fresh node, and the
 * fixed-load latency of bench:federation went from 27 ms to 300 ms (docs/benchmarks.md). This vacuums and analyzes
 * them on an interval. Only pages changed since the last run are read (the visibility map), so a run costs what
 * churned since, ~30 ms for 3,400 delivered envelopes; it holds PGlite's one session meanwhile, so the interval
 * trades such pauses against the work done per pause. PostgreSQL's own autovacuum does this for a server.
 */
export class EmbeddedVacuum {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: { db: Db; logger: Logger; intervalMs: number; tables?: readonly string[] }) {}

  start(): void {
    if (this.timer || this.deps.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.runOnce()
        .catch((error) => this.deps.logger.error({ err: error }, "vacuuming the embedded database failed"))
        .finally(() => {
          this.running = undefined;
        });
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  /** Stop the interval and wait for a run in progress, so the database can be closed after. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One statement per table: the session is free between them for the node's own work. */
  async runOnce(): Promise<void> {
    const started = performance.now();
    for (const table of this.deps.tables ?? CHURNING_TABLES) {
      await sql`VACUUM (ANALYZE) ${sql.table(table)}`.execute(this.deps.db);
    }
    this.deps.logger.debug({ ms: Math.round(performance.now() - started) }, "embedded database vacuumed");
  }
}
