/**
 * Precursors lane: watchlist matching of one notification's names (exporter, importer, consignee, their
 * addresses) against 100,000 watched names (target p99 < 20 ms), building that index as the service does at
 * start, and adding names to it one by one afterwards (an authority's edits).
 * Ends with one JSON summary line.
 */

import { WatchlistIndex } from "../src/modules/precursors/precursors.watchlist-index.ts";
import { percentile } from "./support/federation-run.ts";

const WATCHED = Number(process.env.WATCHED ?? 100_000);
const QUERIES = Number(process.env.QUERIES ?? 2_000);

// Names built from a realistic vocabulary of company-name words, so posting lists are as long as real ones.
const FIRST = [
  "Sunrise",
  "Zenith",
  "Apex",
  "Nova",
  "Orchid",
  "Lotus",
  "Everest",
  "Crescent",
  "Pioneer",
  "Vista",
  "Galaxy",
  "Shree",
  "Sai",
  "Om",
  "Maple",
  "Northern",
  "Pacific",
  "Coastal",
  "Unity",
  "Prime",
  "Global",
  "Royal",
  "Delta",
  "Omega",
  "Sigma",
  "Kiran",
  "Surya",
  "Ganga",
  "Indus",
  "Aurora",
];
const SECOND = [
  "Fine",
  "Specialty",
  "Organic",
  "Bulk",
  "Agro",
  "Life",
  "Bio",
  "Pure",
  "Allied",
  "United",
  "Star",
  "Green",
  "Blue",
  "Silver",
  "Golden",
  "Rapid",
  "Smart",
  "Vital",
  "Chem",
  "Pharma",
];
const THIRD = [
  "Chemicals",
  "Pharmaceuticals",
  "Laboratories",
  "Industries",
  "Exports",
  "Traders",
  "Enterprises",
  "Sciences",
  "Organics",
  "Intermediates",
  "Solutions",
  "Logistics",
];
const FORM = ["Pvt. Ltd.", "Private Limited", "Ltd", "Inc.", "LLP", "Corp.", ""];
const CITIES = [
  "Mumbai",
  "Hyderabad",
  "Ahmedabad",
  "Vadodara",
  "Chennai",
  "Toronto",
  "Vancouver",
  "Montreal",
  "Surat",
  "Pune",
  "Calgary",
  "Brampton",
];

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
// Made-up distinctive words ("Kavitel", "Shonarim") from consonant-vowel syllables: some 700,000 possible words,
// as diverse as the proper names in real company registers, beside the common trade words above.
const CONSONANTS = ["k", "r", "sh", "v", "t", "m", "dh", "l", "p", "z", "s", "b", "n", "g", "j", "h", "ch", "d"];
const VOWELS = ["a", "e", "i", "o", "u"];
const word = () => {
  const w = Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(CONSONANTS) + pick(VOWELS)).join("");
  return w.charAt(0).toUpperCase() + w.slice(1);
};
const company = () => `${word()} ${pick(FIRST)} ${pick(SECOND)} ${pick(THIRD)} ${pick(FORM)}`.trim();
const address = () =>
  `Plot ${Math.floor(random() * 500)}, ${word()} ${pick(["Road", "Street", "Marg", "Avenue"])}, ${pick(["MIDC", "GIDC", "Sector 4", "Phase II"])}, ${pick(CITIES)}`;

const index = new WatchlistIndex();
const watched = Array.from({ length: WATCHED }, (_, i) => {
  const kind = i % 10 < 6 ? "company" : i % 10 < 8 ? "person" : "address";
  const text = kind === "company" ? company() : kind === "person" ? `${word()} ${word()}` : address();
  return { id: `w${i}`, kind, text, reason: "bench" } as const;
});
const started = performance.now();
// As the service loads it at start: ranked once over all names.
index.replaceAll(watched);
const buildMs = performance.now() - started;
// Edits after start: 1,000 names added one by one (new trigrams among them), each ready for the next match.
const addStarted = performance.now();
for (let i = 0; i < 1_000; i++) index.add({ id: `added${i}`, kind: "company", text: company(), reason: "bench" });
const addMs = (performance.now() - addStarted) / 1_000;

// One notification: exporter, importer and consignee names and addresses, six lookups.
const notification = () => Array.from({ length: 3 }, () => [company().toUpperCase(), address()] as const);
const matchAll = (names: ReturnType<typeof notification>) => {
  let found = 0;
  for (const [name, place] of names) {
    found += index.match(name, "company").length + index.match(place, "address").length;
  }
  return found;
};
// Warm up (the JIT compiles match on the first few hundred calls, as in a node that has been running a while).
for (let q = 0; q < 200; q++) matchAll(notification());
const notifications = Array.from({ length: QUERIES }, notification);
const latencies: number[] = [];
let hits = 0;
const cpuStarted = process.cpuUsage();
for (const names of notifications) {
  const t0 = performance.now();
  hits += matchAll(names);
  latencies.push(performance.now() - t0);
}
const cpu = process.cpuUsage(cpuStarted);
latencies.sort((a, b) => a - b);
const summary = {
  bench: "precursors",
  watched: WATCHED,
  notifications: QUERIES,
  indexBuildMs: Math.round(buildMs),
  addOneMs: Number(addMs.toFixed(3)),
  matchPerNotificationMs: {
    p50: Number(percentile(latencies, 50).toFixed(2)),
    p99: Number(percentile(latencies, 99).toFixed(2)),
    max: Number((latencies.at(-1) ?? 0).toFixed(2)),
    /** CPU time per notification: what the wall times would be on a quiet core. */
    cpuMean: Number(((cpu.user + cpu.system) / 1000 / QUERIES).toFixed(2)),
  },
  hits,
  heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
};
console.log(`watchlist of ${WATCHED} names built in ${summary.indexBuildMs} ms`);
console.log(
  `one notification (6 lookups): p50 ${summary.matchPerNotificationMs.p50} ms, p99 ${summary.matchPerNotificationMs.p99} ms (target < 20 ms)`,
);
console.log(JSON.stringify(summary));
