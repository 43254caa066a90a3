/**
 * Exchange benchmark on PostgreSQL:
 * 1. delivery: requests submitted through India's API at a fixed offered rate, each node in its own process;
 *    latency until each is committed in Canada's inbox (receiver's row time minus submit time);
 * 2. search: full-text search through the API over bulk-loaded messages, as a liaison officer and an analyst;
 * 3. inbox: listing inbound threads through the API over the bulk-loaded threads.
 *
 *   npm run bench:exchange [-- --rate 50 --requests 500 --messages 1000000 --threads 100000 --database postgres://...]
 */
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { createUser, login } from "../test/identity/helpers.ts";
import { randomSchema, startTestNode, type TestNode } from "../test/support/nodes.ts";
import { bulkLoad, REFERENCES, VOCABULARY } from "./exchange.bulk.ts";
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

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const summary = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s[s.length - 1] ?? 0 };
};
const fmt = (s: { p50: number; p99: number; max: number }) =>
  `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;

async function node(party: string): Promise<TestNode> {
  return startTestNode({
    party,
    config: { databaseUrl: url, databaseSchema: randomSchema(`bench_x_${party.toLowerCase()}`) },
  });
}
async function user(n: TestNode, role: string, agency: string) {
  const u = await createUser(n, { role, agency });
  const session = await login(n, u.username, u.password);
  return { id: u.id, token: session.body.token };
}

// 1. Delivery latency at the offered rate, each node in its own process.
console.log(`delivery: ${REQUESTS} requests offered at ${RATE}/s through India's HTTP API (two node processes)`);
const measured = await measureDelivery({ url, rate: RATE, requests: REQUESTS });
const submit = summary(measured.submitTimes);
const delivery = summary(measured.latencies);
console.log(`  POST /api/v1/threads answered: ${fmt(submit)}`);
console.log(
  `  ${measured.arrived}/${REQUESTS} arrived (${measured.refused} refused) in ${measured.offeredSeconds.toFixed(1)} s offered: ${fmt(delivery)}`,
);

const canada = await node("CA");
const officer = await user(canada, "liaison-officer", "ca-rcmp");
const analyst = await user(canada, "analyst", "ca-cbsa");

// 2 and 3. Bulk load Canada's tables, then search and list through the API.
console.log(`bulk load: ${THREADS} threads, ${MESSAGES} messages into Canada's schema`);
const loadStart = performance.now();
await bulkLoad(canada.deps.database.db, { threads: THREADS, messages: MESSAGES });
console.log(`  loaded and analysed in ${((performance.now() - loadStart) / 1000).toFixed(0)} s`);

async function timedApi(token: string, path: (i: number) => string) {
  const times: number[] = [];
  let results = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    const r = await canada.app.inject({ method: "GET", url: path(i), headers: { authorization: `Bearer ${token}` } });
    times.push(performance.now() - t);
    if (r.statusCode !== 200) throw new Error(`${path(i)}: ${r.statusCode} ${r.body}`);
    results += (r.json() as { items: unknown[] }).items.length;
  }
  return { ...summary(times), meanResults: results / SAMPLES };
}
const word = (i: number) => VOCABULARY[(i * 7919) % VOCABULARY.length];
const searchOfficer = await timedApi(officer.token, (i) => `/api/v1/exchange/search?q=${word(i)}&limit=50`);
console.log(
  `search (liaison officer, one word): ${fmt(searchOfficer)}, ${searchOfficer.meanResults.toFixed(0)} hits shown`,
);
const searchReference = await timedApi(
  officer.token,
  (i) => `/api/v1/exchange/search?q=ref${(i * 7919) % REFERENCES}&limit=50`,
);
console.log(
  `search (liaison officer, a case reference): ${fmt(searchReference)}, ${searchReference.meanResults.toFixed(0)} hits shown`,
);
const searchPhrase = await timedApi(
  officer.token,
  (i) => `/api/v1/exchange/search?q=${word(i)}+${word(i + 1)}&lane=drugs&limit=50`,
);
console.log(`search (liaison officer, two words + lane): ${fmt(searchPhrase)}`);
const searchAnalyst = await timedApi(analyst.token, (i) => `/api/v1/exchange/search?q=${word(i)}&limit=50`);
console.log(`search (analyst, one word): ${fmt(searchAnalyst)}, ${searchAnalyst.meanResults.toFixed(0)} hits shown`);
const inbox = await timedApi(officer.token, () => "/api/v1/threads?direction=inbound&limit=50");
console.log(`inbox listing (liaison officer, 50 soonest due): ${fmt(inbox)}`);
const inboxAnalyst = await timedApi(analyst.token, () => "/api/v1/threads?direction=inbound&limit=50");
console.log(`inbox listing (analyst, own agency): ${fmt(inboxAnalyst)}`);

// A million rows is too much to leave behind in the shared database.
if (values.keep) console.log(`kept schema ${canada.deps.config.databaseSchema}`);
else await sql.raw(`DROP SCHEMA "${canada.deps.config.databaseSchema}" CASCADE`).execute(canada.deps.database.db);
await canada.close();
rmSync(canada.dataDir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    bench: "exchange",
    database: "postgres",
    deliveryRate: RATE,
    deliveryP99Ms: delivery.p99,
    submitP99Ms: submit.p99,
    deliveryArrived: measured.arrived,
    messages: MESSAGES,
    threads: THREADS,
    searchP99Ms: Math.max(searchOfficer.p99, searchReference.p99, searchPhrase.p99, searchAnalyst.p99),
    searchCommonWordP99Ms: searchOfficer.p99,
    searchReferenceP99Ms: searchReference.p99,
    searchTwoWordsP99Ms: searchPhrase.p99,
    searchAnalystP99Ms: searchAnalyst.p99,
    inboxP99Ms: Math.max(inbox.p99, inboxAnalyst.p99),
    targets: { deliveryP99Ms: 150, searchP99Ms: 100, inboxP99Ms: 50 },
  }),
);
