/**
 * Precursors lane: listing and filtering notifications (and incidents) on a node holding 100,000 notifications
 * and 20,000 incidents, through the API as a competent authority's analyst (target of issue 16: p99 < 100 ms on
 * both databases). Filters: none, substance, status (read-time, no-reply included), due before, company, and
 * combinations; the second page by cursor; one notification's detail with its history.
 *
 *   npm run bench:precursors-list [-- --notifications 100000 --incidents 20000 --samples 200]
 *   npm run bench:precursors-list -- --database postgres://postgres@127.0.0.1:5432/test
 *
 * Rows are bulk-loaded through the module's own repository functions (what the lane stores for a sent or
 * received notification and its send event). Ends with one JSON summary line.
 */
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { uuidv7 } from "../src/core/ids.ts";
import { insertIncident } from "../src/modules/precursors/precursors.repository.ts";
import { storeNotification } from "../src/modules/precursors/precursors.service.ts";
import { actor } from "../test/exchange/helpers.ts";
import { randomSchema, startTestNode } from "../test/support/nodes.ts";

const { values } = parseArgs({
  options: {
    notifications: { type: "string", default: "100000" },
    incidents: { type: "string", default: "20000" },
    samples: { type: "string", default: "200" },
    database: { type: "string" },
  },
});
const N = Number(values.notifications);
const M = Number(values.incidents);
const SAMPLES = Number(values.samples);
const url = values.database;

let seed = 7;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const CAS = ["39742-60-4", "21409-26-7", "23056-29-3", "125541-22-2", "1609-66-1", "41661-47-6", "79099-07-3"];
const WORDS = [
  "Sunrise",
  "Zenith",
  "Apex",
  "Nova",
  "Orchid",
  "Lotus",
  "Maple",
  "Northern",
  "Pacific",
  "Coastal",
  "Indus",
];
const TRADE = ["Fine Chem", "Organics", "Pharma", "Reagents", "Intermediates", "Synthetics", "Traders", "Imports"];
const syllable = () => pick(["ka", "ri", "sho", "ve", "tan", "mu", "dha", "lo", "pe", "zi"]);
const company = () =>
  `${syllable()}${syllable()}${syllable()} ${pick(WORDS)} ${pick(TRADE)} ${pick(["Pvt Ltd", "Inc", "Ltd", "LLP"])}`;
const party = (country: string) => ({
  name: company(),
  address: {
    lines: [`Plot ${Math.floor(random() * 900)}`],
    city: pick(["Vapi", "Pune", "Toronto", "Vancouver"]),
    country,
  },
  naturalPerson: false,
});

const node = await startTestNode({
  party: "CA",
  listen: false,
  ...(url ? { config: { databaseUrl: url, databaseSchema: randomSchema("bench_pen") } } : {}),
});
const database = url ? "postgres" : "pglite";
try {
  const analyst = await actor(node, "analyst", "ca-hc-ocs");
  const now = node.deps.clock.now().getTime();
  const DAY = 86_400_000;
  const companies: string[] = [];
  const loadStarted = performance.now();
  const BATCH = 2000;
  for (let done = 0; done < N; done += BATCH) {
    await node.deps.changes.run(async (change) => {
      for (let i = done; i < Math.min(N, done + BATCH); i++) {
        const inbound = random() < 0.5;
        const exporter = party(inbound ? "IN" : "CA");
        if (companies.length < 500 && random() < 0.01) companies.push(exporter.name);
        const sentAt = new Date(now - Math.floor(random() * 365) * DAY);
        await storeNotification(change.tx, {
          id: uuidv7(sentAt.getTime()),
          direction: inbound ? "inbound" : "outbound",
          exporterParty: inbound ? "IN" : "CA",
          importerParty: inbound ? "CA" : "IN",
          fromAgency: inbound ? "in-ncb" : "ca-hc-ocs",
          toAgency: inbound ? pick(["ca-hc-ocs", "ca-cbsa", null]) : "in-ncb",
          content: {
            reference: `PEN-${i}`,
            exporter,
            importer: party(inbound ? "CA" : "IN"),
            substance: { cas: pick(CAS), name: "bench", abbr: "bench", hs: "2933.39", form: "substance" },
            quantity: { amount: String(1 + Math.floor(random() * 500)), unit: pick(["kg", "g", "L"] as const) },
            pointOfEntry: "Port",
            dispatchDate: new Date(sentAt.getTime() + 14 * DAY).toISOString().slice(0, 10),
            transport: { mode: "sea" },
          },
          replyBy: new Date(sentAt.getTime() + (3 + Math.floor(random() * 20)) * DAY),
          legalBases: ["UN-1988-ART12"],
          tlp: pick(["TLP:AMBER", "TLP:AMBER", "TLP:GREEN", "TLP:AMBER+STRICT"]),
          permittedUse: ["H0", "H1"],
          flags: [],
          sentBy: "bench",
          envelopeId: uuidv7(),
          event: { id: uuidv7(sentAt.getTime()), at: sentAt, actor: "bench", party: inbound ? "IN" : "CA" },
          recordedAt: sentAt,
        });
      }
      change.audit({ actor: "bench", action: "bench.load", outcome: "success" });
    });
  }
  // Answers on a share, as the real mix has them: answered rows are not awaiting.
  await node.deps.database.db
    .updateTable("precursor_notifications")
    .set({ status: "no-objection" })
    .where("reference", "like", "PEN-%3")
    .execute();
  await node.deps.database.db
    .updateTable("precursor_notifications")
    .set({ status: "objection" })
    .where("reference", "like", "PEN-%7")
    .execute();
  for (let done = 0; done < M; done += BATCH) {
    await node.deps.changes.run(async (change) => {
      for (let i = done; i < Math.min(M, done + BATCH); i++) {
        await insertIncident(change.tx, {
          id: uuidv7(now - Math.floor(random() * 365) * DAY),
          direction: random() < 0.5 ? "inbound" : "outbound",
          from_party: "IN",
          to_party: "CA",
          from_agency: "in-ncb",
          to_agency: "ca-cbsa",
          kind: pick([
            "seizure",
            "stopped-shipment",
            "suspicious-order",
            "diversion-attempt",
            "clandestine-laboratory",
          ]),
          notification_id: null,
          substances: [{ cas: pick(CAS), name: "bench", hs: "2933.39" }],
          occurred_on: "2026-11-01",
          place: "Port",
          modus_operandi: null,
          entities: [],
          summary: "bench",
          legal_bases: ["UN-1988-ART12"],
          tlp: "TLP:AMBER",
          permitted_use: ["H0", "H1"],
          sent_by: "bench",
          envelope_id: uuidv7(),
          created_at: new Date(),
        });
      }
      change.audit({ actor: "bench", action: "bench.load", outcome: "success" });
    });
  }
  await sql`ANALYZE`.execute(node.deps.database.db);
  const loadMs = performance.now() - loadStarted;
  console.log(`${database}: ${N} notifications and ${M} incidents loaded in ${(loadMs / 1000).toFixed(1)} s`);

  const due = () => new Date(now + Math.floor(random() * 30) * DAY).toISOString();
  const filters: Record<string, () => string> = {
    none: () => "",
    substance: () => `cas=${pick(CAS)}`,
    "status no-reply": () => "status=no-reply",
    "status awaiting": () => "status=awaiting-reply",
    "status objection": () => "status=objection",
    "due before": () => `dueBefore=${encodeURIComponent(due())}`,
    company: () => `company=${encodeURIComponent(pick(companies))}`,
    "company (no match)": () => `company=${encodeURIComponent("Nonexistent Chemical Works")}`,
    "substance + status + due": () => `cas=${pick(CAS)}&status=awaiting-reply&dueBefore=${encodeURIComponent(due())}`,
    "inbound + company": () => `direction=inbound&company=${encodeURIComponent(pick(companies))}`,
  };
  const percentile = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  const results: Record<string, { p50: number; p99: number; max: number }> = {};
  const all: number[] = [];
  const time = async (name: string, path: () => string) => {
    const times: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      const target = path();
      const t0 = performance.now();
      const r = await node.api("GET", target, undefined, analyst.token);
      times.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`${target}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    times.sort((a, b) => a - b);
    all.push(...times);
    results[name] = {
      p50: Number(percentile(times, 0.5).toFixed(1)),
      p99: Number(percentile(times, 0.99).toFixed(1)),
      max: Number((times.at(-1) ?? 0).toFixed(1)),
    };
    console.log(`  ${name}: p50 ${results[name].p50} ms, p99 ${results[name].p99} ms`);
  };
  for (const [name, query] of Object.entries(filters)) {
    await time(name, () => `/api/v1/precursors/notifications?limit=50&${query()}`);
  }
  const first = (
    await node.api<{ items: { id: string }[]; nextCursor: string }>(
      "GET",
      "/api/v1/precursors/notifications?limit=50",
      undefined,
      analyst.token,
    )
  ).body;
  await time("second page", () => `/api/v1/precursors/notifications?limit=50&cursor=${first.nextCursor}`);
  await time("detail", () => `/api/v1/precursors/notifications/${pick(first.items).id}`);
  await time(
    "incidents by kind",
    () => `/api/v1/precursors/incidents?limit=50&kind=${pick(["seizure", "diversion-attempt"])}`,
  );
  all.sort((a, b) => a - b);
  const summary = {
    bench: "precursors-list",
    database,
    notifications: N,
    incidents: M,
    samplesPerFilter: SAMPLES,
    loadSeconds: Number((loadMs / 1000).toFixed(1)),
    overall: { p50: Number(percentile(all, 0.5).toFixed(1)), p99: Number(percentile(all, 0.99).toFixed(1)) },
    byFilter: results,
    loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
  };
  console.log(`overall p99 ${summary.overall.p99} ms (target < 100 ms)`);
  console.log(JSON.stringify(summary));
} finally {
  await node.close();
  rmSync(node.dataDir, { recursive: true, force: true });
}
