/**
 * Matching (issue 18): the PSI engine end to end, each party in its own process as on two nodes, messages passed
 * as the JSON bodies federation envelopes would carry (no HTTP, no database: the crypto and protocol cost alone),
 * and side by side with @openmined/psi.js when it is installed (`npm install --ignore-scripts --no-save
 * @openmined/psi.js`). SIZE (default 100000) elements per side, OVERLAP (default SIZE/10) shared.
 * OPENMINED=0 skips the comparison. Ends with one JSON summary line.
 */
import { fork } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { PartyInit } from "./support/matching-party.ts";

const SIZE = Number(process.env.SIZE ?? 100_000);
const OVERLAP = Number(process.env.OVERLAP ?? Math.floor(SIZE / 10));
const CHUNK = Number(process.env.CHUNK ?? 50_000);
const partyFile = fileURLToPath(new URL("./support/matching-party.ts", import.meta.url));

interface Report {
  kind: "report";
  wallS: number;
  cpuS: number;
  maxRssMb: number;
  intersection: number;
}

/** A party process, once it has loaded (module loading is not part of the figures). */
async function spawnParty() {
  const child = fork(partyFile, [], { execArgv: ["--import", "tsx"], serialization: "advanced" });
  await new Promise<void>((resolve) => child.once("message", () => resolve()));
  return child;
}

async function liaison() {
  const [a, b] = await Promise.all([spawnParty(), spawnParty()]);
  const reports: Record<string, Report> = {};
  const t0 = performance.now();
  const done = Promise.all(
    (
      [
        ["a", a, b],
        ["b", b, a],
      ] as const
    ).map(
      ([role, self, peer]) =>
        new Promise<void>((resolve, reject) => {
          self.on("message", (m: { kind: "psi"; json: string } | { kind: "error"; message: string } | Report) => {
            if (m.kind === "psi" && peer.connected) peer.send({ kind: "psi", json: m.json });
            else if (m.kind === "report") {
              reports[role] = m;
              resolve();
            } else if (m.kind === "error") reject(new Error(m.message));
          });
          self.on("exit", (code) => {
            if (!reports[role]) reject(new Error(`party ${role} exited (${code}) before its result`));
          });
        }),
    ),
  );
  for (const [role, child] of [
    ["a", a],
    ["b", b],
  ] as const)
    child.send({
      kind: "init",
      init: { role, size: SIZE, overlap: OVERLAP, chunkElements: CHUNK } satisfies PartyInit,
    });
  await done;
  a.kill();
  b.kill();
  return { wallS: (performance.now() - t0) / 1000, a: reports.a, b: reports.b };
}

async function openMined(): Promise<Report | { skipped: string }> {
  try {
    await import("@openmined/psi.js" as string);
  } catch {
    return { skipped: "@openmined/psi.js is not installed (npm install --ignore-scripts --no-save @openmined/psi.js)" };
  }
  const child = await spawnParty();
  return new Promise((resolve, reject) => {
    child.on("message", (m: Report | { kind: "error"; message: string }) => {
      child.kill();
      if (m.kind === "report") resolve(m);
      else reject(new Error(m.message));
    });
    child.send({ kind: "init", init: { role: "openmined", size: SIZE, overlap: OVERLAP, chunkElements: CHUNK } });
  });
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model,
  loadAtStart: loadavg().map((l) => Number(l.toFixed(2))),
};
log(
  `matching bench: ${SIZE} x ${SIZE}, overlap ${OVERLAP}, ${machine.cpus} cpus (${machine.model}), load ${machine.loadAtStart.join(" ")}`,
);
const ours = await liaison();
log(
  `liaison: wall ${ours.wallS.toFixed(1)} s; A cpu ${ours.a?.cpuS.toFixed(1)} s rss ${ours.a?.maxRssMb.toFixed(0)} MB; B cpu ${ours.b?.cpuS.toFixed(1)} s rss ${ours.b?.maxRssMb.toFixed(0)} MB; intersection ${ours.a?.intersection}/${ours.b?.intersection}`,
);
if (ours.a?.intersection !== OVERLAP || ours.b?.intersection !== OVERLAP) throw new Error("wrong intersection size");
const theirs = process.env.OPENMINED === "0" ? { skipped: "OPENMINED=0" } : await openMined();
if ("wallS" in theirs)
  log(
    `openmined psi.js: wall ${theirs.wallS.toFixed(1)} s cpu ${theirs.cpuS.toFixed(1)} s rss ${theirs.maxRssMb.toFixed(0)} MB; intersection ${theirs.intersection}`,
  );
else log(`openmined: skipped (${theirs.skipped})`);
const summary = {
  bench: "matching",
  size: SIZE,
  overlap: OVERLAP,
  machine: { ...machine, loadAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
  liaison: {
    wallS: Number(ours.wallS.toFixed(2)),
    cpuS: Number(((ours.a?.cpuS ?? 0) + (ours.b?.cpuS ?? 0)).toFixed(2)),
    perParty: { a: ours.a, b: ours.b },
  },
  openmined: theirs,
  speedup: "wallS" in theirs ? Number((theirs.wallS / ours.wallS).toFixed(1)) : null,
};
console.log(JSON.stringify(summary));
