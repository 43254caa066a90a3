/**
 * Federation benchmark: notices India -> Canada over loopback, two real node processes, from enqueue (API) to
 * stored receipt. Per database: saturated throughput (end to end, and delivery of a queued backlog), latency
 * at a fixed offered load, and each node's peak RSS (VmHWM). Ends with one JSON summary line.
 *
 *   npm run bench:federation                       # PostgreSQL (if reachable) and PGlite
 *   BENCH_DATABASES=pglite BENCH_COUNT=1000 npm run bench:federation
 *
 * Experiments: BENCH_NODE_FLAGS="--max-semi-space-size=4" (flags for both nodes), BENCH_CPU_PROF_DIR=<dir> (CPU
 * profiles), BENCH_TRACE=<prefix> (the fixed-load phase's enqueue and receipt times per envelope, in
 * <prefix>.<database>.json, to see when the slow ones happened),
 * BENCH_KEEP_DIRS=1 (keep the nodes' data directories and logs).
 */
import { cpus } from "node:os";
import pg from "pg";
import { type RunResult, runFederationBench } from "./support/federation-run.ts";

const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const databases = (process.env.BENCH_DATABASES ?? "postgres,pglite").split(",") as ("postgres" | "pglite")[];
const count = Number(process.env.BENCH_COUNT ?? 3000);
const rate = Number(process.env.BENCH_RATE ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const profileDir = process.env.BENCH_CPU_PROF_DIR;
/** Experiments: extra flags for both node processes, e.g. BENCH_NODE_FLAGS="--max-semi-space-size=4". */
const nodeFlags = [
  ...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean),
  ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
];
const TARGETS = { postgres: 2000, pglite: 500, p99Ms: 50, rssMb: 300 };

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const log = (line: string) => console.log(line);
log(`federation benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}`);
const results: RunResult[] = [];
for (const database of databases) {
  if (database === "postgres" && !(await postgresReachable())) {
    log(`PostgreSQL at ${POSTGRES_URL} unreachable: skipped`);
    continue;
  }
  log(`${database}:`);
  results.push(
    await runFederationBench({
      database,
      databaseUrl: database === "postgres" ? POSTGRES_URL : null,
      saturatedCount: count,
      ratePerSecond: rate,
      latencySeconds: seconds,
      enqueueClients: 32,
      federation: {
        batchSize: 250,
        concurrency: 8,
        pollIntervalMs: 20,
        peerRatePerSecond: 1_000_000,
        retryBaseSeconds: 0.05,
        retryMaxSeconds: 1,
      },
      nodeFlags,
      keepDirs: process.env.BENCH_KEEP_DIRS === "1",
      ...(process.env.BENCH_TRACE ? { traceFile: process.env.BENCH_TRACE } : {}),
      log,
    }),
  );
}

for (const r of results) {
  const target = TARGETS[r.database as "postgres" | "pglite"];
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  log(
    `${r.database}: delivery ${r.deliveredPerSecond}/s (target >= ${target}: ${verdict(r.deliveredPerSecond >= target)}), ` +
      `p99 at ${r.fixedLoad.offeredPerSecond}/s ${r.fixedLoad.p99} ms (target < ${TARGETS.p99Ms}: ${verdict(r.fixedLoad.p99 < TARGETS.p99Ms)}), ` +
      `RSS ${r.peakRssMb.IN}/${r.peakRssMb.CA} MB (target < ${TARGETS.rssMb}: ${verdict(Math.max(r.peakRssMb.IN, r.peakRssMb.CA) < TARGETS.rssMb)})`,
  );
}
console.log(JSON.stringify({ bench: "federation", count, rate, results }));
