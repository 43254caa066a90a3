import { setFlagsFromString } from "node:v8";
import type { NodeConfig } from "../config/config.schema.ts";

/** The growth an embedded node allows its heap when its configuration names none (see heapGrowthPercent). */
export const EMBEDDED_HEAP_GROWTH_PERCENT = 25;
/** The same on PostgreSQL, where the node's process holds no database and can afford more room. */
export const SERVER_HEAP_GROWTH_PERCENT = 100;

/**
 * The heap growth a node's process should run with, or undefined for V8's own. V8 sets the next full collection
 * at up to four times what the last one kept when memory is plentiful. A node under load promotes short-lived
 * request data at a steady rate, so a receiver with ~50 MB live grew its heap to ~200 MB before collecting: on
 * embedded storage, beside PGlite's own ~60 MB, that put it over 300 MB resident, and on PostgreSQL a receiver
 * that had taken 20,000 envelopes reached 320 MB. At 25% an embedded receiver stays near 90 MB of heap for ~10%
 * more CPU per envelope; at 100% a PostgreSQL receiver stays near 200 MB resident for no throughput the bench
 * can measure (docs/benchmarks.md, Federation).
 */
export function heapGrowthPercent(config: Pick<NodeConfig, "heapGrowthPercent" | "databaseUrl">): number | undefined {
  const percent =
    config.heapGrowthPercent ?? (config.databaseUrl ? SERVER_HEAP_GROWTH_PERCENT : EMBEDDED_HEAP_GROWTH_PERCENT);
  return percent ? percent : undefined;
}

/**
 * Applies it to this process. V8 reads the flag each time it sizes the heap after a full collection, so setting
 * it at start-up, before the node's load, is as good as the command-line flag; it is process-wide, which is why
 * the commands that own the process (serve, demo) call this and createNode does not.
 */
export function applyHeapGrowth(percent: number | undefined): void {
  if (percent) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
