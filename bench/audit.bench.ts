/**
 * Audit log benchmark on PostgreSQL: sustained appends (batched transactions), tree head, inclusion and
 * consistency proofs, the leaf stream, and a full `audit verify` of the log by the CLI in its own process through
 * the node's API (the leaf stream), with its peak memory. Prints the machine and the load average: others share it.
 *
 *   npm run bench:audit [-- --leaves 1000000 --batch 2000 --database postgres://...]
 *   npm run bench:audit -- --keep                       keep the loaded schema (its name is printed) to reuse it
 *   npm run bench:audit -- --schema <kept> [--only proofs] [--trace]
 *                                                       reuse a schema kept by --keep: no load (~45 s at 1M leaves);
 *                                                       --only runs some of the phases proofs, leaves, verify;
 *                                                       --trace prints the slowest proof samples of each pass with
 *                                                       their start offset (ms since the pass began) and the GC
 *                                                       pauses of this process that overlapped them
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { sql } from "kysely";
import pg from "pg";
import pino from "pino";
import { resolveConfig } from "../src/config/load-config.ts";
import { foldSubtreeHashes } from "../src/core/merkle.ts";
import { appendAuditLeavesNow, readLogHead } from "../src/modules/audit/audit.repository.ts";
import { signTreeHead, toBase64 } from "../src/modules/audit/tree-head.ts";
import { createNode } from "../src/node/node.ts";
import { freePort, randomSchema, tempDir } from "../test/support/nodes.ts";

const { values } = parseArgs({
  options: {
    leaves: { type: "string", default: "1000000" },
    batch: { type: "string", default: "2000" },
    database: {
      type: "string",
      default: process.env.LIAISON_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    },
    samples: { type: "string", default: "2000" },
    /** Keep the loaded schema (to reuse it with --schema, or to EXPLAIN queries afterwards). */
    keep: { type: "boolean", default: false },
    /** A schema kept by an earlier --keep run: measure it instead of loading a new one (implies keeping it). */
    schema: { type: "string" },
    /** Which phases to run after the load: proofs, leaves, verify (comma-separated). */
    only: { type: "string", default: "proofs,leaves,verify" },
    /** Print the slowest proof samples with their offsets and the GC pauses that overlapped them. */
    trace: { type: "boolean", default: false },
    /** Experiment: drop the four search indexes of audit_leaves to see what they cost appends. */
    "without-search-indexes": { type: "boolean", default: false },
  },
});
const LEAVES = Number(values.leaves);
const BATCH = Number(values.batch);
const SAMPLES = Number(values.samples);
const url = values.database as string;

const PHASES = new Set((values.only as string).split(",").map((p) => p.trim()));
for (const phase of PHASES)
  if (!["proofs", "leaves", "verify"].includes(phase)) throw new Error(`--only: unknown phase ${phase}`);
const TRACE = values.trace as boolean;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
// With --trace: this process's GC pauses (start, duration, kind), to match them against slow samples.
const gcPauses: { start: number; duration: number; kind: string }[] = [];
const gcKinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};
if (TRACE) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1;
      gcPauses.push({ start: e.startTime, duration: e.duration, kind: gcKinds[kind] ?? String(kind) });
    }
  }).observe({ entryTypes: ["gc"] });
}
async function timed(samples: number, fn: (i: number) => Promise<unknown>, trace?: string) {
  const times: number[] = [];
  const starts: number[] = [];
  const origin = performance.now();
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
    starts.push(t);
  }
  if (trace) {
    // The slowest samples with when they started: periodic offsets point at timers, early ones at cold pages,
    // ones that overlap a GC pause at the garbage collector.
    const slowest = times
      .map((duration, i) => ({ i, duration, start: starts[i] as number }))
      .sort((a, b) => b.duration - a.duration)
      .slice(0, 30);
    console.log(`  ${trace}: slowest 30 of ${samples} (offset = ms since the pass began)`);
    for (const s of slowest) {
      const gc = gcPauses
        .filter((g) => g.start < s.start + s.duration && g.start + g.duration > s.start)
        .map((g) => `${g.kind} GC ${g.duration.toFixed(2)} ms`);
      console.log(
        `    #${String(s.i).padStart(4)} at ${(s.start - origin).toFixed(1).padStart(8)} ms: ${s.duration.toFixed(3)} ms${gc.length > 0 ? `  [${gc.join(", ")}]` : ""}`,
      );
    }
    const during = gcPauses.filter((g) => g.start >= origin);
    const total = during.reduce((sum, g) => sum + g.duration, 0);
    console.log(`  ${trace}: ${during.length} GC pauses in the pass, ${total.toFixed(1)} ms in all`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: times[times.length - 1] ?? 0 };
}
const ms = (x: number) => `${x.toFixed(3)} ms`;
// Other engineers run benchmarks and tests on the same 2 cores: the load average says what a figure is worth.
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

const schema = (values.schema as string | undefined) ?? randomSchema("bench_audit");
const keep = (values.keep as boolean) || values.schema !== undefined;
const dataDir = tempDir("liaison-bench-audit-");
const port = await freePort();
const config = resolveConfig(
  {
    party: "IN",
    name: "Audit bench",
    mode: "test",
    listen: { host: "127.0.0.1", port },
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    logLevel: "silent",
    databaseUrl: url,
    databaseSchema: schema,
    deliveryWorker: false,
  },
  {},
);
const node = await createNode(config, { createKeys: true, logger: pino({ level: "silent" }) });
const { db } = node.deps.database;
const summary: Record<string, number | string> = { leaves: LEAVES, batch: BATCH, database: "postgresql" };

try {
  console.log(`audit bench: ${LEAVES} leaves in batches of ${BATCH}, PostgreSQL schema ${schema}`);
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, Node ${process.version}; load average ${load()}`,
  );
  summary.loadAtStart = load();
  if (values.schema) {
    const { treeSize } = await readLogHead(db);
    console.log(`reusing schema ${schema}: ${treeSize} leaves, no load`);
    summary.leaves = treeSize;
  } else {
    if (values["without-search-indexes"]) {
      for (const index of ["actor", "action", "subject", "at"]) {
        await sql.raw(`DROP INDEX audit_leaves_${index}`).execute(db);
      }
      summary.searchIndexes = "dropped";
    }
    const started = performance.now();
    const at = new Date();
    let last = started;
    for (let done = 0; done < LEAVES; done += BATCH) {
      const n = Math.min(BATCH, LEAVES - done);
      const events = Array.from({ length: n }, (_, i) => ({
        actor: `user-${(done + i) % 97}`,
        action: (done + i) % 3 === 0 ? "notice.send" : "envelope.receive",
        subject: `0193f6c2-${(done + i).toString(16).padStart(8, "0")}`,
        outcome: "success",
        requestId: `req-${done + i}`,
        details: { to: "CA", digest: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=" },
      }));
      await db.transaction().execute((tx) => appendAuditLeavesNow(tx, "IN", at, events));
      if (performance.now() - last > 10_000) {
        last = performance.now();
        const rate = (done + n) / ((last - started) / 1000);
        console.log(`  ${done + n} leaves, ${Math.round(rate)} leaves/s`);
      }
    }
    const appendSeconds = (performance.now() - started) / 1000;
    summary.appendLeavesPerSecond = Math.round(LEAVES / appendSeconds);
    console.log(
      `append: ${LEAVES} leaves in ${appendSeconds.toFixed(1)} s = ${summary.appendLeavesPerSecond} leaves/s (target >= 20000)`,
    );

    // A million rows loaded in a minute start autovacuum (and the first reader of each page sets its hint bits):
    // do that work now, timed, so the latency samples below see the steady state of a log that grows slowly
    // (CHECKPOINT needs a superuser or pg_checkpoint, as the bench's default database URL has).
    const vacuumStarted = performance.now();
    await sql.raw("VACUUM (ANALYZE) audit_leaves, audit_nodes").execute(db);
    // ... and the checkpoint that a gigabyte of fresh WAL brings, which otherwise writes while the samples run.
    await sql.raw("CHECKPOINT").execute(db);
    summary.vacuumSeconds = Number(((performance.now() - vacuumStarted) / 1000).toFixed(1));
    console.log(`VACUUM (ANALYZE) and CHECKPOINT after loading: ${summary.vacuumSeconds} s; load average ${load()}`);
  }
  // Likewise this process's own garbage from loading (the events and hashes of a million appends, 100+ MB of old
  // space): left alone, V8 collects it while the proofs below are timed, with concurrent marking on the core
  // PostgreSQL needs and a 9-12 ms final pause (seen with --trace: clusters of 4-38 ms samples). A node that serves
  // proofs does not carry a bulk load's garbage, so collect it now, as VACUUM does for PostgreSQL's side.
  const collectedFrom = process.memoryUsage().heapUsed;
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  console.log(
    `full GC of the load's garbage: heap ${(collectedFrom / 1e6).toFixed(0)} MB -> ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
  );

  const { treeSize } = await readLogHead(db);
  const rootOnly = await timed(200, async () => foldSubtreeHashes((await readLogHead(db)).frontier));
  const signedHead = await timed(200, async () => {
    const head = await readLogHead(db);
    const root = foldSubtreeHashes(head.frontier);
    return signTreeHead(
      { treeSize: head.treeSize, rootHash: toBase64(root), timestamp: new Date().toISOString() },
      node.deps.keys.signing,
    );
  });
  summary.treeHeadP99Ms = Number(signedHead.p99.toFixed(3));
  console.log(
    `tree head at ${treeSize}: root p50 ${ms(rootOnly.p50)} p99 ${ms(rootOnly.p99)}; signed p50 ${ms(signedHead.p50)} p99 ${ms(signedHead.p99)} (target < 10 ms)`,
  );

  const random = (max: number) => Math.floor(Math.random() * max);
  // Two passes of random proofs: the first touches pages of audit_nodes that loading pushed out of memory (the
  // lower levels of 1M leaves are ~150 MB, beyond shared_buffers), the second shows a node that serves proofs.
  for (const pass of PHASES.has("proofs") ? [1, 2] : []) {
    const inclusion = await timed(
      SAMPLES,
      () => node.deps.audit.inclusionProof(random(treeSize), treeSize),
      TRACE ? `inclusion, pass ${pass}` : undefined,
    );
    const consistency = await timed(
      SAMPLES,
      () => node.deps.audit.consistencyProof(1 + random(treeSize - 1), treeSize),
      TRACE ? `consistency, pass ${pass}` : undefined,
    );
    summary[`inclusionP99MsPass${pass}`] = Number(inclusion.p99.toFixed(3));
    summary[`consistencyP99MsPass${pass}`] = Number(consistency.p99.toFixed(3));
    const line = (name: string, t: { p50: number; p99: number; max: number }) =>
      `${name} proof, pass ${pass}: p50 ${ms(t.p50)} p99 ${ms(t.p99)} max ${ms(t.max)} (target p99 < 1 ms)`;
    console.log(line("inclusion", inclusion));
    console.log(line("consistency", consistency));
  }
  summary.loadAfterProofs = load();
  console.log(`load average ${summary.loadAfterProofs}`);

  if (PHASES.has("leaves")) {
    const pages = Math.max(1, Math.floor(treeSize / 1000));
    const leafPage = await timed(Math.min(200, pages), (i) => {
      const start = (i * 7919) % pages;
      return node.deps.audit.leaves(start * 1000, start * 1000 + 999, "compact");
    });
    console.log(`a JSON page of 1,000 leaves (service, compact): p50 ${ms(leafPage.p50)} p99 ${ms(leafPage.p99)}`);
    // The whole log as the verifier gets it, without HTTP: what the node and PostgreSQL spend on it.
    const streamCpu = process.cpuUsage();
    const streamStarted = performance.now();
    let streamBytes = 0;
    for await (const chunk of await node.deps.audit.leafStream(0, treeSize - 1)) streamBytes += chunk.length;
    const streamSeconds = (performance.now() - streamStarted) / 1000;
    const streamNodeCpu = process.cpuUsage(streamCpu);
    summary.streamServiceSeconds = Number(streamSeconds.toFixed(2));
    console.log(
      `leaf stream of ${treeSize} leaves in the service: ${streamSeconds.toFixed(2)} s, ${(streamBytes / 1e6).toFixed(0)} MB, ` +
        `node CPU ${((streamNodeCpu.user + streamNodeCpu.system) / 1e6).toFixed(2)} s (the rest is PostgreSQL)`,
    );
  }

  if (PHASES.has("verify")) {
    await node.deps.audit.currentTreeHead();
    const baseUrl = await node.listen();
    // The real CLI in its own process (as an auditor runs it), so the node and the verifier each have a core.
    const state = join(dataDir, "verify-state.json");
    // The entry `liaison` (bin/liaison.js) runs: the compiled CLI when `npm run build` is newer than every source
    // file, as in production, else the TypeScript sources through tsx (slower to start).
    const root = fileURLToPath(new URL("..", import.meta.url));
    const built = join(root, "dist/cli/main.js");
    const newest = (dir: string): number =>
      Math.max(
        0,
        ...readdirSync(dir, { withFileTypes: true }).map((e) =>
          e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
        ),
      );
    const compiled = existsSync(built) && statSync(built).mtimeMs >= newest(join(root, "src"));
    const entry = compiled ? [built] : ["--import", "tsx", join(root, "src/cli/main.ts")];
    summary.cli = compiled ? "compiled (dist/)" : "TypeScript through tsx";
    // A small heap limit shows that verification runs in bounded memory whatever the log size.
    const nodeArgs = ["--max-old-space-size=128", ...(process.env.AUDIT_BENCH_VERIFIER_ARGS?.split(" ") ?? [])];
    const args = ["-f", "%e %M %U %S", process.execPath, ...nodeArgs, ...entry, "audit", "verify"];
    // The CLI's own start-up (loading its modules), to tell it apart from verifying.
    const startupStarted = performance.now();
    spawnSync(process.execPath, [...nodeArgs, ...entry, "--help"], { stdio: "ignore" });
    summary.cliStartupSeconds = Number(((performance.now() - startupStarted) / 1000).toFixed(2));
    summary.loadAtVerify = load();
    const verifyStarted = performance.now();
    const serverCpu = process.cpuUsage();
    const child = spawn("/usr/bin/time", [...args, "--node", baseUrl, "--token", node.adminToken, "--state", state], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    const serverCpuUsed = process.cpuUsage(serverCpu);
    summary.nodeCpuDuringVerifySeconds = Number(((serverCpuUsed.user + serverCpuUsed.system) / 1e6).toFixed(2));
    if (code !== 0) throw new Error(`verification failed (${code}): ${out}${err}`);
    const [, maxRssKb, userSeconds, systemSeconds] = (err.trim().split("\n").pop() ?? "").split(" ");
    summary.verifySeconds = Number(verifySeconds.toFixed(2));
    summary.verifyPeakRssMb = Math.round(Number(maxRssKb) / 1024);
    // CPU time says more than wall time on a shared machine: what the verifier itself needed.
    summary.verifierCpuSeconds = Number((Number(userSeconds) + Number(systemSeconds)).toFixed(2));
    console.log(out.trim());
    console.log(
      `verify (${summary.cli} CLI process against the node's leaf stream, including its start-up of ${summary.cliStartupSeconds} s): ` +
        `${treeSize} leaves in ${verifySeconds.toFixed(2)} s, verifier peak RSS ${summary.verifyPeakRssMb} MB with a ` +
        `128 MB heap limit (target < 5 s); verifier CPU ${summary.verifierCpuSeconds} s, node CPU ${summary.nodeCpuDuringVerifySeconds} s; load average ${summary.loadAtVerify}`,
    );
  }
} finally {
  await node.close();
  if (keep) console.log(`kept schema ${schema} (drop it with DROP SCHEMA "${schema}" CASCADE)`);
  else {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  }
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: "audit", ...summary }));
