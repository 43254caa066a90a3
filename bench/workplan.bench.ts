/**
 * Workplan: (1) the pure state function and the state hash for a plan of 10,000 items; (2) two real nodes
 * (loopback HTTP, PGlite or PostgreSQL with LIAISON_TEST_DATABASE_URL) partitioned while each adds half of the
 * items, then healed: time until both state hashes are equal. Items are written in changes of 500 items (bulk)
 * and, separately, one change per item as the API does (WORKPLAN_BENCH_SINGLE items, default 2,000). Either way
 * the sync seals the partition's backlog into envelopes of up to 500 events; the figures count them.
 * Ends with one JSON summary line.
 */
import { rmSync } from "node:fs";
import { domainDir } from "../src/config/domain-dir.ts";
import { uuidv7 } from "../src/core/ids.ts";
import type { Principal } from "../src/modules/identity/principal.ts";
import { countEvents } from "../src/modules/workplan/workplan.repository.ts";
import type { EventChange, WorkplanEvent } from "../src/modules/workplan/workplan.schema.ts";
import { loadGenesis } from "../src/modules/workplan/workplan.seed.ts";
import { computePlan, planHash, planHashByCanonicalizer } from "../src/modules/workplan/workplan.state.ts";
import { startTwoNodes, type TestNode } from "../test/support/nodes.ts";

const ITEMS = 10_000;
const SINGLE = Number(process.env.WORKPLAN_BENCH_SINGLE ?? 2_000);
const genesis = loadGenesis(domainDir());
const initiativeIds = genesis.initiatives.map((i) => i.id);

/** Half progress notes, half proposed milestones, spread over the six initiatives. */
function itemChange(i: number, party: string): EventChange {
  const initiativeId = initiativeIds[i % initiativeIds.length] as string;
  return i % 2 === 0
    ? { kind: "progress.add", initiativeId, date: "2026-04-01", note: `progress note ${i} from ${party}` }
    : {
        kind: "proposal.create",
        initiativeId,
        change: { field: "milestone.add", value: { title: `milestone ${i}`, dueDate: "2026-09-30", owner: party } },
      };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const value = fn();
  return [value, performance.now() - t];
}

function pureFigures() {
  const events: WorkplanEvent[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const party = i % 2 ? "CA" : "IN";
    events.push({
      ...itemChange(i, party),
      id: uuidv7(),
      origin: party,
      lamport: 1 + (i >> 1),
      at: "2026-04-01T00:00:00.000Z",
      actor: "bench",
    } as WorkplanEvent);
  }
  const compute: number[] = [];
  const hash: number[] = [];
  const general: number[] = [];
  for (let run = 0; run < 7; run++) {
    const [state, c] = time(() => computePlan(genesis, events));
    compute.push(c);
    hash.push(time(() => planHash(state))[1]);
    general.push(time(() => planHashByCanonicalizer(state))[1]);
  }
  return { computeMs: median(compute), hashMs: median(hash), generalHashMs: median(general) };
}

async function envelopesSent(nodes: TestNode[]): Promise<number> {
  let total = 0;
  for (const node of nodes) {
    const row = await node.deps.database.db
      .selectFrom("outbox")
      .where("type", "=", "workplan.events")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    total += Number(row.n);
  }
  return total;
}

const coordinator = (party: string): Principal => ({
  id: `bench-coordinator@${party}`,
  role: "workplan-coordinator",
  party,
});

async function partitionAndHeal(perChange: number, items: number) {
  const nodes = await startTwoNodes({ config: { federation: { batchSize: 1000, concurrency: 4 } } });
  try {
    const sides: [TestNode, string][] = [
      [nodes.india, "IN"],
      [nodes.canada, "CA"],
    ];
    for (const [node] of sides) await node.deps.workplan.seed();
    // Partition: no delivery in either direction while both sides keep working.
    await Promise.all(sides.map(([node]) => node.deps.worker.stop()));
    const createStart = performance.now();
    for (const [node, party] of sides) {
      const mine = Array.from({ length: items / 2 }, (_, k) => itemChange(2 * k + (party === "CA" ? 1 : 0), party));
      for (let k = 0; k < mine.length; k += perChange) {
        const chunk = mine.slice(k, k + perChange);
        await node.deps.workplan.commit(coordinator(party), "workplan.bench", "bench", () => chunk);
      }
    }
    const createMs = performance.now() - createStart;
    const before = await Promise.all(sides.map(([node]) => node.deps.workplan.stateHash()));
    const healStart = performance.now();
    for (const [node] of sides) node.deps.worker.start();
    // Poll the cheap event count; hash only once both sides hold every event (hashing 10k items is not free,
    // and both nodes share this process's CPU).
    for (;;) {
      const counts = await Promise.all(sides.map(([node]) => countEvents(node.deps.database.db)));
      if (counts.every((c) => c === items)) break;
      if (performance.now() - healStart > 600_000) throw new Error("no convergence within 10 minutes");
      await new Promise((r) => setTimeout(r, 10));
    }
    const hashes = await Promise.all(sides.map(async ([node]) => (await node.deps.workplan.stateHash()).hash));
    if (hashes[0] !== hashes[1]) throw new Error("both sides hold every event but their plans differ");
    const convergeMs = performance.now() - healStart;
    const t = performance.now();
    await nodes.india.deps.workplan.stateHash();
    const cachedHashCallMs = performance.now() - t;
    return {
      items,
      perChange,
      envelopes: await envelopesSent(sides.map(([node]) => node)),
      diverged: before[0]?.hash !== before[1]?.hash,
      createMs: Math.round(createMs),
      convergeMs: Math.round(convergeMs),
      cachedHashCallMs: Math.round(cachedHashCallMs * 10) / 10,
    };
  } finally {
    await nodes.close();
    for (const n of [nodes.india, nodes.canada]) rmSync(n.dataDir, { recursive: true, force: true });
  }
}

const pure = pureFigures();
console.log(
  `pure state function, ${ITEMS} items: fold ${pure.computeMs.toFixed(1)} ms, state hash ${pure.hashMs.toFixed(1)} ms (${pure.generalHashMs.toFixed(1)} ms through the general canonicaliser; medians of 7)`,
);
const bulk = await partitionAndHeal(500, ITEMS);
console.log(
  `two nodes, ${bulk.items} items in changes of ${bulk.perChange}: created in ${bulk.createMs} ms during the partition; converged ${bulk.convergeMs} ms after healing; ${bulk.envelopes} envelopes`,
);
// WORKPLAN_BENCH_SINGLE=0 skips the slow one-change-per-item run.
const single = SINGLE > 0 ? await partitionAndHeal(1, SINGLE) : null;
if (single)
  console.log(
    `two nodes, ${single.items} items, one change each: created in ${single.createMs} ms during the partition; converged ${single.convergeMs} ms after healing (${Math.round(single.items / (single.convergeMs / 1000))} items/s; ${single.envelopes} envelopes)`,
  );
console.log(
  JSON.stringify({
    bench: "workplan",
    items: ITEMS,
    foldMs: Math.round(pure.computeMs * 10) / 10,
    stateHashMs: Math.round(pure.hashMs * 10) / 10,
    stateHashByCanonicalizerMs: Math.round(pure.generalHashMs * 10) / 10,
    bulk,
    single,
    database: process.env.LIAISON_TEST_DATABASE_URL ? "postgresql" : "pglite",
  }),
);
