import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { Agent, request } from "undici";
import { sendNotice } from "../../test/support/notices.ts";
import { METRICS_TOKEN, NodeProcess, pinEachOther } from "../../test/support/processes.ts";

export interface RunOptions {
  database: "postgres" | "pglite";
  databaseUrl: string | null;
  /** Envelopes for the saturated throughput run. */
  saturatedCount: number;
  /** Fixed offered load for the latency run. */
  ratePerSecond: number;
  latencySeconds: number;
  /** API clients enqueueing in parallel. */
  enqueueClients: number;
  federation: Record<string, unknown>;
  nodeFlags?: string[];
  keepDirs?: boolean;
  /** Write the fixed-load phase's enqueue and receipt times to `<traceFile>.<database>.json`. */
  traceFile?: string;
  log(line: string): void;
}

export interface RunResult {
  database: string;
  enqueuePerSecond: number;
  deliveredPerSecond: number;
  endToEndPerSecond: number;
  saturatedLatencyMs: { p50: number; p99: number };
  fixedLoad: { offeredPerSecond: number; count: number; p50: number; p99: number; max: number };
  peakRssMb: { IN: number; CA: number };
}

type OutboxItem = { envelope_id: string; type: string; created_at: string; delivered_at: string | null };
type PeerState = { party: string; pending: number; delivered: number; dead: number };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function enqueue(india: NodeProcess, count: number, clients: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const i = next++;
        const r = await sendNotice<{ envelopeId: string }>(india, `${tag} ${i}`);
        if (r.status !== 201) throw new Error(`enqueue failed: ${r.status} ${JSON.stringify(r.body)}`);
        ids.push(r.body.envelopeId);
      }
    }),
  );
  return ids;
}

async function peer(india: NodeProcess): Promise<PeerState> {
  const r = await india.api<{ items: PeerState[] }>("GET", "/api/v1/federation/peers");
  return r.body.items.find((p) => p.party === "CA") as PeerState;
}

/**
 * Wait until India's outbox holds nothing pending, then read its totals. The poll reads one pending row by its
 * partial index: the peers listing counts the whole outbox, and polling that every 20 ms while the backlog drained
 * cost the node and PostgreSQL a scan of thousands of rows fifty times a second, measured as delivery time.
 */
async function waitDrained(india: NodeProcess, timeoutMs = 600_000): Promise<PeerState> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await india.api<{ items: unknown[] }>("GET", "/api/v1/federation/outbox?status=pending&limit=1");
    if (r.body.items.length === 0) return peer(india);
    await sleep(20);
  }
  throw new Error("outbox did not drain");
}

/** CPU time (user + system) so far of a process, from /proc (Linux); 0 where unreadable. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** CPU seconds of both nodes and of every PostgreSQL process on this machine (the server the bench uses). */
type CpuSnapshot = { IN: number; CA: number; postgres: Map<number, number> };

function cpuSnapshot(india: NodeProcess, canada: NodeProcess): CpuSnapshot {
  const postgres = new Map<number, number>();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres") {
        postgres.set(Number(pid), processCpuSeconds(Number(pid)));
      }
    } catch {}
  }
  return { IN: processCpuSeconds(india.pid), CA: processCpuSeconds(canada.pid), postgres };
}

/**
 * CPU seconds spent between two snapshots. PostgreSQL's backends come and go (the pool closes idle ones): each
 * counts from its first snapshot, and one that exited in between is missing, so PostgreSQL's figure is a floor.
 */
function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): { IN: number; CA: number; postgres: number } {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) postgres += seconds - (before.postgres.get(pid) ?? 0);
  return { IN: after.IN - before.IN, CA: after.CA - before.CA, postgres };
}

/** Enqueue-to-stored-receipt latency of the given envelopes, from the sender's own outbox timestamps. */
const WARM_UP_SECONDS = 2;

/**
 * Open loop: `count` notices at `ratePerSecond`, each sent at its time whether or not the node has answered the
 * previous ones. Resolves when every request has been answered, with the envelope ids of those accepted.
 */
async function offer(
  india: NodeProcess,
  count: number,
  ratePerSecond: number,
  label: string,
): Promise<{ ids: string[]; failed: number; offeredSeconds: number }> {
  const ids: string[] = [];
  const inFlight: Promise<void>[] = [];
  let failed = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / ratePerSecond - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      sendNotice<{ envelopeId: string }>(india, `${label} ${i}`)
        .then((r) => {
          if (r.status === 201) ids.push(r.body.envelopeId);
          else failed++;
        })
        .catch(() => void failed++),
    );
  }
  const offeredSeconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  return { ids, failed, offeredSeconds };
}

/** When each of the given envelopes was enqueued and its receipt stored, from the sender's own outbox rows. */
async function deliveryTimes(india: NodeProcess, ids: Set<string>): Promise<{ enqueued: number; delivered: number }[]> {
  // The listing is capped at 1,000 rows a call; read the newest ones, which are ours.
  const r = await india.api<{ items: OutboxItem[] }>("GET", "/api/v1/federation/outbox?status=delivered&limit=1000");
  return r.body.items
    .filter((item) => ids.has(item.envelope_id) && item.delivered_at)
    .map((item) => ({ enqueued: Date.parse(item.created_at), delivered: Date.parse(item.delivered_at as string) }));
}

/** Enqueue-to-stored-receipt latencies in ms, sorted. */
const latencies = (times: { enqueued: number; delivered: number }[]) =>
  times.map((t) => t.delivered - t.enqueued).sort((a, b) => a - b);

/** Sums and counts of the stage histograms (delivery, inbox, audit sequencing) from a node's /metrics. */
async function stageTotals(node: NodeProcess): Promise<Map<string, { sum: number; count: number }>> {
  const response = await request(`${node.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await response.body.text();
  const totals = new Map<string, { sum: number; count: number }>();
  const line = /^liaison_(delivery_stage|inbox_stage|audit_drain)_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm;
  for (const m of text.matchAll(line)) {
    const stage = /stage="([^"]+)"/.exec(m[3] ?? "")?.[1] ?? "drain";
    const key = `${m[1]?.replace("_stage", "").replace("audit_drain", "audit")}.${stage}`;
    const entry = totals.get(key) ?? { sum: 0, count: 0 };
    entry[m[2] as "sum" | "count"] = Number(m[4]);
    totals.set(key, entry);
  }
  return totals;
}

/**
 * Where a node's memory is now, from its process metrics: resident, the V8 heap, and the rest. Not "external":
 * that counts PGlite's WebAssembly memory as reserved (~145 MB), of which only ~60 MB is ever touched.
 */
async function memoryNow(node: NodeProcess): Promise<string> {
  const text = await (
    await request(`${node.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).body.text();
  const mb = (name: string) => {
    const value = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1];
    return value ? Number(value) / 2 ** 20 : Number.NaN;
  };
  const rss = mb("process_resident_memory_bytes");
  const heap = mb("nodejs_heap_size_total_bytes");
  return `RSS ${rss.toFixed(0)} MB (V8 heap ${heap.toFixed(0)}, the rest ${(rss - heap).toFixed(0)})`;
}

/** Mean per stage between two scrapes, in ms: where the fixed-load latency goes. */
function stageMeans(before: Map<string, { sum: number; count: number }>, after: typeof before): string {
  const parts: string[] = [];
  for (const [key, { sum, count }] of after) {
    const prior = before.get(key) ?? { sum: 0, count: 0 };
    const n = count - prior.count;
    if (n > 0) parts.push(`${key} ${(((sum - prior.sum) / n) * 1000).toFixed(1)}`);
  }
  return parts.join(", ");
}

export async function runFederationBench(options: RunOptions): Promise<RunResult> {
  const { log } = options;
  // Many requests may wait at once when the node falls behind the offered load: room for them, and patience.
  const dispatcher = new Agent({ connections: 128, connectTimeout: 120_000, headersTimeout: 600_000 });
  const common = {
    dispatcher,
    databaseUrl: options.databaseUrl,
    config: { logLevel: "warn", federation: options.federation, ...JSON.parse(process.env.BENCH_NODE_CONFIG ?? "{}") },
    entry: "build" as const, // as operators run it: compiled, not through tsx
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
  };
  const india = await NodeProcess.create({ party: "IN", ...common });
  const canada = await NodeProcess.create({ party: "CA", ...common });
  try {
    await india.start();
    await canada.start();
    await pinEachOther(india, canada);
    // Warm up JIT, connections and caches.
    await enqueue(india, 200, options.enqueueClients, "warm-up");
    await waitDrained(india);

    // 1. Saturated, end to end: enqueue through the API as fast as the clients can while delivery runs.
    let started = performance.now();
    const saturatedIds = await enqueue(india, options.saturatedCount, options.enqueueClients, "saturated");
    const enqueueSeconds = (performance.now() - started) / 1000;
    await waitDrained(india);
    const endToEndSeconds = (performance.now() - started) / 1000;
    const saturated = latencies(await deliveryTimes(india, new Set(saturatedIds.slice(-1000))));
    log(
      `  end to end: ${options.saturatedCount} notices enqueued in ${enqueueSeconds.toFixed(1)} s ` +
        `(${(options.saturatedCount / enqueueSeconds).toFixed(0)}/s), all receipts stored after ${endToEndSeconds.toFixed(1)} s`,
    );

    // 2. Delivery alone: fill the outbox with the worker off, then time the drain.
    await india.stop();
    india.updateConfig({ deliveryWorker: false });
    await india.start();
    await enqueue(india, options.saturatedCount, options.enqueueClients, "backlog");
    await india.stop();
    india.updateConfig({ deliveryWorker: true });
    await india.start();
    const atReady = await peer(india);
    const cpuBefore = cpuSnapshot(india, canada);
    started = performance.now();
    const drained = await waitDrained(india);
    const drainSeconds = (performance.now() - started) / 1000;
    const cpu = cpuSpent(cpuBefore, cpuSnapshot(india, canada));
    const deliveredPerSecond = (drained.delivered - atReady.delivered) / drainSeconds;
    log(
      `  delivery: ${drained.delivered - atReady.delivered} queued envelopes delivered in ${drainSeconds.toFixed(2)} s ` +
        `(${deliveredPerSecond.toFixed(0)}/s); CPU meanwhile: IN ${cpu.IN.toFixed(2)} s, ` +
        `CA ${cpu.CA.toFixed(2)} s, PostgreSQL ${cpu.postgres.toFixed(2)} s ` +
        `(of ${(cpus().length * drainSeconds).toFixed(2)} s on ${cpus().length} cores)`,
    );

    // 3. Fixed offered load: one notice every 1/rate s, each on its own, latency from the outbox timestamps.
    // First let the backlog's after-work finish (both logs sequencing thousands of records, a tree head and its
    // witnessing, PostgreSQL's autovacuum of the outbox), then warm up: India was restarted for phase 2 and had
    // not yet served one notice through its API. A trace of this phase started at once showed its slowest 2% all
    // in its first second, which measured the previous phase and a cold process, not a steady 100/s.
    await sleep(3000);
    await offer(india, Math.round(options.ratePerSecond * WARM_UP_SECONDS), options.ratePerSecond, "warm-up");
    await waitDrained(india);
    const count = Math.round(options.ratePerSecond * options.latencySeconds);
    const stagesBefore = { IN: await stageTotals(india), CA: await stageTotals(canada) };
    const fixedCpuBefore = cpuSnapshot(india, canada);
    const { ids: fixedIds, failed, offeredSeconds } = await offer(india, count, options.ratePerSecond, "fixed");
    const fixedCpu = cpuSpent(fixedCpuBefore, cpuSnapshot(india, canada));
    if (failed > 0) log(`  fixed load: ${failed} of ${count} requests failed`);
    const achieved = count / offeredSeconds;
    await waitDrained(india);
    const fixedTimes = await deliveryTimes(india, new Set(fixedIds));
    // Each envelope's times, to see when in the phase the slow ones happened.
    if (options.traceFile) writeFileSync(`${options.traceFile}.${options.database}.json`, JSON.stringify(fixedTimes));
    const fixed = latencies(fixedTimes);
    const cpuMsPerEnvelope = (seconds: number) => ((seconds * 1000) / count).toFixed(2);
    log(`  stage means (ms), IN: ${stageMeans(stagesBefore.IN, await stageTotals(india))}`);
    log(`  stage means (ms), CA: ${stageMeans(stagesBefore.CA, await stageTotals(canada))}`);
    const peakRssMb = { IN: india.peakRssBytes() / 2 ** 20, CA: canada.peakRssBytes() / 2 ** 20 };
    log(
      `  fixed load ${achieved.toFixed(0)}/s: p50 ${percentile(fixed, 50)} ms, p99 ${percentile(fixed, 99)} ms, ` +
        `max ${fixed.at(-1)} ms over ${fixed.length}`,
    );
    log(
      `  fixed load CPU per envelope: IN ${cpuMsPerEnvelope(fixedCpu.IN)} ms, CA ${cpuMsPerEnvelope(fixedCpu.CA)} ms, ` +
        `PostgreSQL ${cpuMsPerEnvelope(fixedCpu.postgres)} ms`,
    );
    log(`  peak RSS: IN ${peakRssMb.IN.toFixed(0)} MB, CA ${peakRssMb.CA.toFixed(0)} MB`);
    log(`  memory now: IN ${await memoryNow(india)}; CA ${await memoryNow(canada)}`);
    return {
      database: options.database,
      enqueuePerSecond: Math.round(options.saturatedCount / enqueueSeconds),
      deliveredPerSecond: Math.round(deliveredPerSecond),
      endToEndPerSecond: Math.round(options.saturatedCount / endToEndSeconds),
      saturatedLatencyMs: { p50: percentile(saturated, 50), p99: percentile(saturated, 99) },
      fixedLoad: {
        offeredPerSecond: Math.round(achieved),
        count: fixed.length,
        p50: percentile(fixed, 50),
        p99: percentile(fixed, 99),
        max: fixed.at(-1) ?? Number.NaN,
      },
      peakRssMb: { IN: Math.round(peakRssMb.IN), CA: Math.round(peakRssMb.CA) },
    };
  } finally {
    for (const node of [india, canada]) {
      await node.stop().catch(() => {});
      if (!options.keepDirs) rmSync(node.dataDir, { recursive: true, force: true });
    }
    await dispatcher.close();
  }
}
