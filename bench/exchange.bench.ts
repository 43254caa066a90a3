/**
 * Exchange benchmark on PostgreSQL:
 * 1. delivery: requests submitted through India's API at a fixed offered rate, each node in its own process;
 *    latency until each is committed in Canada's inbox (receiver's row time minus submit time);
 * 2. search: full-text search through the API over bulk-loaded messages, as a liaison officer and an analyst;
 * 3. inbox: listing inbound threads through the API over the bulk-loaded threads.
 *
 *   npm run bench:exchange [-- --rate 50 --requests 500 --messages 1000000 --threads 100000 --database postgres://...]
 *   npm run bench:exchange -- --only search,inbox [--keep]      skip delivery (noisy while others benchmark)
 *   npm run bench:exchange -- --only search --schema <kept>     reuse a schema kept by --keep: no bulk load; the
 *                                                               node applies any newer migration to it first
 */
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { createUser, login } from "../test/identity/helpers.ts";
import { randomSchema, startTestNode, type TestNode } from "../test/support/nodes.ts";
import { ABSENT_WORD, bulkLoad, COMMON_WORDS, FADED_WORD, REFERENCES, VOCABULARY } from "./exchange.bulk.ts";
import { measureDelivery } from "./exchange.delivery.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "50" },
    requests: { type: "string", default: "500" },
    messages: { type: "string", default: "1000000" },
    threads: { type: "string", default: "100000" },
    samples: { type: "string", default: "300" },
    /** Keep Canada's bulk-loaded schema (to EXPLAIN queries afterwards). */
    keep: { type: "boolean", default: false },
    /** Which phases to run: delivery, search, inbox (comma-separated). */
    only: { type: "string", default: "delivery,search,inbox" },
    /** A bulk-loaded schema kept by an earlier --keep run: search and list it instead of loading a new one. */
    schema: { type: "string" },
    database: {
      type: "string",
      default: process.env.LIAISON_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    },
  },
});
const RATE = Number(values.rate);
const REQUESTS = Number(values.requests);
const MESSAGES = Number(values.messages);
const THREADS = Number(values.threads);
const SAMPLES = Number(values.samples);
const url = values.database as string;
const PHASES = new Set((values.only as string).split(",").map((p) => p.trim()));
for (const phase of PHASES)
  if (!["delivery", "search", "inbox"].includes(phase)) throw new Error(`--only: unknown phase ${phase}`);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const summary = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s[s.length - 1] ?? 0 };
};
const fmt = (s: { p50: number; p99: number; max: number }) =>
  `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;

async function node(party: string, schema?: string): Promise<TestNode> {
  return startTestNode({
    party,
    config: { databaseUrl: url, databaseSchema: schema ?? randomSchema(`bench_x_${party.toLowerCase()}`) },
  });
}
async function user(n: TestNode, role: string, agency: string) {
  const u = await createUser(n, { role, agency });
  const session = await login(n, u.username, u.password);
  return { id: u.id, token: session.body.token };
}
const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const result: Record<string, unknown> = { bench: "exchange", database: "postgres" };

// 1. Delivery latency at the offered rate, each node in its own process.
if (PHASES.has("delivery")) {
  console.log(`delivery: ${REQUESTS} requests offered at ${RATE}/s through India's HTTP API (two node processes)`);
  const measured = await measureDelivery({ url, rate: RATE, requests: REQUESTS });
  const submit = summary(measured.submitTimes);
  const delivery = summary(measured.latencies);
  console.log(`  POST /api/v1/threads answered: ${fmt(submit)}`);
  console.log(
    `  ${measured.arrived}/${REQUESTS} arrived (${measured.refused} refused) in ${measured.offeredSeconds.toFixed(1)} s offered: ${fmt(delivery)}`,
  );
  Object.assign(result, {
    deliveryRate: RATE,
    deliveryP99Ms: delivery.p99,
    submitP99Ms: submit.p99,
    deliveryArrived: measured.arrived,
  });
}

if (PHASES.has("search") || PHASES.has("inbox")) {
  // 2 and 3. Bulk load Canada's tables (or reuse a kept schema), then search and list through the API.
  const canada = await node("CA", values.schema);
  const officer = await user(canada, "liaison-officer", "ca-rcmp");
  const analyst = await user(canada, "analyst", "ca-cbsa");
  const db = canada.deps.database.db;
  if (values.schema) {
    const counts = await sql<{ messages: number; threads: number }>`SELECT
      (SELECT count(*) FROM exchange_messages)::int AS messages, (SELECT count(*) FROM exchange_threads)::int AS threads`.execute(
      db,
    );
    console.log(`reusing ${values.schema}: ${JSON.stringify(counts.rows[0])}`);
    Object.assign(result, counts.rows[0]);
  } else {
    console.log(`bulk load: ${THREADS} threads, ${MESSAGES} messages into Canada's schema`);
    const loadStart = performance.now();
    await bulkLoad(db, { threads: THREADS, messages: MESSAGES });
    console.log(`  loaded and analysed in ${((performance.now() - loadStart) / 1000).toFixed(0)} s`);
    Object.assign(result, { messages: MESSAGES, threads: THREADS });
  }

  async function timedApi(token: string, path: (i: number) => string) {
    const times: number[] = [];
    let results = 0;
    let partial = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      const r = await canada.app.inject({ method: "GET", url: path(i), headers: { authorization: `Bearer ${token}` } });
      times.push(performance.now() - t);
      if (r.statusCode !== 200) throw new Error(`${path(i)}: ${r.statusCode} ${r.body}`);
      const body = r.json() as { items: unknown[]; partial?: boolean };
      results += body.items.length;
      if (body.partial) partial++;
    }
    return { ...summary(times), meanResults: results / SAMPLES, partialPages: partial };
  }
  const measures: Record<string, number> = {};
  async function measure(key: string, label: string, token: string, path: (i: number) => string) {
    const s = await timedApi(token, path);
    const partial = s.partialPages ? `, ${s.partialPages}/${SAMPLES} pages partial` : "";
    console.log(`${label}: ${fmt(s)}, ${s.meanResults.toFixed(1)} hits shown${partial} (load ${loadAverage()})`);
    measures[key] = s.p99;
    return s;
  }

  if (PHASES.has("search")) {
    console.log(`search: ${SAMPLES} queries of each kind, load average before ${loadAverage()}`);
    const word = (i: number) => VOCABULARY[(i * 7919) % VOCABULARY.length];
    const reference = (i: number) => `ref${(i * 7919) % REFERENCES}`;
    const pick = (list: string[], i: number) => list[i % list.length];
    const search = (query: string) => `/api/v1/exchange/search?${query}&limit=50`;
    const kinds: [string, string, "officer" | "analyst", (i: number) => string][] = [
      ["commonWord50", "newest, a word in 50% of messages", "officer", (i) => `q=${pick(COMMON_WORDS[50], i)}`],
      ["commonWord10", "newest, a word in 10%", "officer", (i) => `q=${pick(COMMON_WORDS[10], i)}`],
      ["commonWord1", "newest, a word in 1%", "officer", (i) => `q=${pick(COMMON_WORDS[1], i)}`],
      ["word", "newest, a vocabulary word (0.5%)", "officer", (i) => `q=${word(i)}`],
      ["reference", "newest, a case reference (~50 messages)", "officer", (i) => `q=${reference(i)}`],
      ["twoWordsLane", "newest, two words + lane", "officer", (i) => `q=${word(i)}+${word(i + 1)}&lane=drugs`],
      [
        "commonAndWord",
        "newest, a 50% word and a vocabulary word",
        "officer",
        (i) => `q=${pick(COMMON_WORDS[50], i)}+${word(i)}`,
      ],
      [
        "commonLane",
        "newest, a 10% word + lane + TLP",
        "officer",
        (i) => `q=${pick(COMMON_WORDS[10], i)}&lane=cyber&tlp=TLP:GREEN`,
      ],
      ["faded", "newest, a word common only in the older half", "officer", () => `q=${FADED_WORD}`],
      ["absent", "newest, a word in no message", "officer", () => `q=${ABSENT_WORD}`],
      [
        "analystCommon50",
        "newest, analyst (own agency), a 50% word",
        "analyst",
        (i) => `q=${pick(COMMON_WORDS[50], i)}`,
      ],
      ["analystWord", "newest, analyst, a vocabulary word", "analyst", (i) => `q=${word(i)}`],
      ["relevanceCommon50", "relevance, a 50% word", "officer", (i) => `q=${pick(COMMON_WORDS[50], i)}&sort=relevance`],
      ["relevanceWord", "relevance, a vocabulary word", "officer", (i) => `q=${word(i)}&sort=relevance`],
      ["relevanceReference", "relevance, a case reference", "officer", (i) => `q=${reference(i)}&sort=relevance`],
      [
        "relevanceTwoWords",
        "relevance, a 10% word and a 1% word",
        "officer",
        (i) => `q=${pick(COMMON_WORDS[10], i)}+${pick(COMMON_WORDS[1], i + 1)}&sort=relevance`,
      ],
      [
        "relevanceAnalyst",
        "relevance, analyst, a 10% word",
        "analyst",
        (i) => `q=${pick(COMMON_WORDS[10], i)}&sort=relevance`,
      ],
    ];
    for (const [key, label, who, query] of kinds)
      await measure(key, `search (${label})`, (who === "officer" ? officer : analyst).token, (i) => search(query(i)));
    result.searchP99Ms = Math.max(...kinds.map(([key]) => measures[key] ?? 0));
    result.search = Object.fromEntries(kinds.map(([key]) => [key, measures[key]]));
  }
  if (PHASES.has("inbox")) {
    const inbox = await measure(
      "inbox",
      "inbox listing (liaison officer, 50 soonest due)",
      officer.token,
      () => "/api/v1/threads?direction=inbound&limit=50",
    );
    const inboxAnalyst = await measure(
      "inboxAnalyst",
      "inbox listing (analyst, own agency)",
      analyst.token,
      () => "/api/v1/threads?direction=inbound&limit=50",
    );
    result.inboxP99Ms = Math.max(inbox.p99, inboxAnalyst.p99);
  }

  // A million rows is too much to leave behind in the shared database.
  const schema = canada.deps.config.databaseSchema;
  if (values.keep || values.schema) console.log(`kept schema ${schema}`);
  else await sql.raw(`DROP SCHEMA "${schema}" CASCADE`).execute(db);
  await canada.close();
  rmSync(canada.dataDir, { recursive: true, force: true });
}
result.loadAverageAfter = loadAverage();
result.targets = { deliveryP99Ms: 150, searchP99Ms: 100, inboxP99Ms: 50 };
console.log(JSON.stringify(result));
