import { sql } from "kysely";
import type { Logger } from "pino";
import { RecurringTask } from "../core/recurring-task.ts";
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
 * Autovacuum's rule for when a table needs fresh statistics: this many rows plus this share of the rows it had
 * when last analyzed have come or gone (PostgreSQL's autovacuum_analyze_threshold and _scale_factor).
 */
const ANALYZE_THRESHOLD_ROWS = 50;
const ANALYZE_SCALE_FACTOR = 0.1;

/**
 * Whether a PostgreSQL server has its autovacuum turned off (it is on by default; some test and benchmark servers,
 * this project's own among them, turn it off). Without it the churning tables bloat: after 20,000 envelopes a
 * delivery claim walked 35,000 dead outbox rows and took 17 ms instead of 4 (docs/benchmarks.md, Federation).
 */
export async function serverAutovacuumOff(db: Db): Promise<boolean> {
  const r = await sql<{ autovacuum: string }>`SELECT current_setting('autovacuum') AS autovacuum`.execute(db);
  return r.rows[0]?.autovacuum === "off";
}

/**
 * Autovacuum for the embedded database, and for a PostgreSQL server whose own is off. PGlite runs PostgreSQL in
 * single-user mode, which has no autovacuum (nor the statistics it decides by), so the dead rows of the tables
 * above were never reclaimed: after 6,000 notices a delivery claim walked the outbox's dead index entries and cost
 * 2.4 times what it cost on a fresh node, and the fixed-load latency of bench:federation went from 27 ms to 300 ms
 * (docs/benchmarks.md). This vacuums them on an interval. Only pages changed since the last run are read (the
 * visibility map), so a VACUUM costs what churned since: 2-10 ms for 300-3,000 changed outbox rows. ANALYZE reads
 * a sample of the whole table whatever changed (30-50 ms for a 7,400-row outbox, more as it grows), so a table is
 * analyzed only as autovacuum would: when its row count has moved by 50 + 10% since it was last analyzed. Every
 * statement holds PGlite's one session, and PGlite runs on the node's event loop, so these pauses are the node's:
 * analyzing every table on every run stalled a receiving node for ~100 ms after a backlog. PostgreSQL's own
 * autovacuum does this for a server that has it on; on one that has not, this runs there too, in the server's
 * process, not on the node's event loop.
 */
export class ChurnVacuum {
  private readonly task = new RecurringTask(
    () => this.runOnce(),
    (error) => this.deps.logger.error({ err: error }, "vacuuming the churning tables failed"),
  );
  /** Each table's row count when this process last analyzed it (or found it analyzed at its first run). */
  private readonly analyzedRows = new Map<string, number>();

  constructor(private readonly deps: { db: Db; logger: Logger; intervalMs: number; tables?: readonly string[] }) {}

  start(): void {
    if (this.deps.intervalMs > 0) this.task.start(this.deps.intervalMs);
  }

  /** Stop the interval and wait for a run in progress, so the database can be closed after. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One statement per table: the session is free between them for the node's own work. */
  async runOnce(): Promise<void> {
    const started = performance.now();
    const tables = this.deps.tables ?? CHURNING_TABLES;
    for (const table of tables) {
      await sql`VACUUM ${sql.table(table)}`.execute(this.deps.db);
    }
    const analyzed: string[] = [];
    for (const { table, rows, hasStatistics } of await this.rowCounts(tables)) {
      // Never analyzed counts as analyzed at zero rows: a table with fewer than 50 has nothing to sample.
      const before = this.analyzedRows.get(table) ?? (hasStatistics ? rows : 0);
      if (Math.abs(rows - before) < ANALYZE_THRESHOLD_ROWS + ANALYZE_SCALE_FACTOR * before) {
        this.analyzedRows.set(table, before);
        continue;
      }
      await sql`ANALYZE ${sql.table(table)}`.execute(this.deps.db);
      this.analyzedRows.set(table, rows);
      analyzed.push(table);
    }
    this.deps.logger.debug({ ms: Math.round(performance.now() - started), analyzed }, "churning tables vacuumed");
  }

  /** Row counts as VACUUM just left them in pg_class, and whether ANALYZE has ever given the table statistics. */
  private async rowCounts(tables: readonly string[]) {
    const r = await sql<{ table: string; rows: number; hasStatistics: boolean }>`
      SELECT c.relname AS "table", greatest(c.reltuples, 0)::float8 AS rows,
             EXISTS (SELECT 1 FROM pg_statistic s WHERE s.starelid = c.oid) AS "hasStatistics"
      FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname = ANY(${[...tables]})
    `.execute(this.deps.db);
    return r.rows;
  }
}
