/**
 * One party of the matching benchmark, in its own process (as a node would be): builds its list, runs the PSI
 * engine or OpenMined's, and reports its own CPU time and peak RSS. Driven by bench/matching.bench.ts over IPC.
 */
import { type PsiMessage, PsiParty } from "../../src/modules/matching/matching.psi.ts";

export interface PartyInit {
  role: "a" | "b" | "openmined";
  size: number;
  overlap: number;
  chunkElements: number;
}

/** A's values are ids 0..n-1; B's start at n - overlap, so exactly `overlap` values are shared. */
export function values(role: "a" | "b", size: number, overlap: number): string[] {
  const from = role === "a" ? 0 : size - overlap;
  return Array.from({ length: size }, (_, i) => `+9198${String(from + i).padStart(8, "0")}`);
}

function report(extra: Record<string, unknown>, wallMs: number, cpu0: NodeJS.CpuUsage) {
  const cpu = process.cpuUsage(cpu0);
  process.send?.({
    kind: "report",
    wallS: wallMs / 1000,
    cpuS: (cpu.user + cpu.system) / 1e6,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    ...extra,
  });
}

async function openMined(init: PartyInit) {
  // biome-ignore lint/suspicious/noExplicitAny: an optional comparison, not a dependency: no types at build time
  const { default: PSI } = (await import("@openmined/psi.js" as string)) as { default: () => Promise<any> };
  const psi = await PSI();
  const serverValues = values("b", init.size, init.overlap);
  const clientValues = values("a", init.size, init.overlap);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // reveal the intersection (not only its size), exact (Raw) server set: the closest to what Liaison computes,
  // though only the client learns it, so Liaison does more (both sides learn).
  const server = psi.server.createWithNewKey(true);
  const client = psi.client.createWithNewKey(true);
  const setup = psi.serverSetup.deserializeBinary(
    server.createSetupMessage(0, clientValues.length, serverValues, psi.dataStructure.Raw).serializeBinary(),
  );
  const request = psi.request.deserializeBinary(client.createRequest(clientValues).serializeBinary());
  const response = psi.response.deserializeBinary(server.processRequest(request).serializeBinary());
  const intersection: number[] = client.getIntersection(setup, response);
  report({ intersection: intersection.length }, performance.now() - t0, cpu0);
}

process.on("message", (message: { kind: string; init?: PartyInit; json?: string }) => {
  if (message.kind === "init" && message.init?.role === "openmined") {
    // The driver ends this process once it has the report (an exit here could drop the message in flight).
    openMined(message.init).catch((error) => process.send?.({ kind: "error", message: String(error) }));
    return;
  }
  if (message.kind === "init" && message.init) start(message.init);
  else if (message.kind === "psi" && message.json) receive(message.json);
});

let party: PsiParty | undefined;
let t0 = 0;
let cpu0: NodeJS.CpuUsage | undefined;

function start(init: PartyInit) {
  const own = values(init.role as "a" | "b", init.size, init.overlap);
  cpu0 = process.cpuUsage();
  t0 = performance.now();
  party = new PsiParty({
    runId: "bench",
    type: "phone",
    values: own,
    maxSetSize: 2_000_000,
    chunkElements: init.chunkElements,
  });
  for (const m of party.start()) process.send?.({ kind: "psi", json: JSON.stringify(m) });
}

function receive(json: string) {
  if (!party || !cpu0) return;
  for (const reply of party.receive(JSON.parse(json) as PsiMessage))
    process.send?.({ kind: "psi", json: JSON.stringify(reply) });
  if (party.done) {
    const result = party.result();
    // No exit here: replies just sent may still be in the IPC queue; the driver ends this process.
    report({ intersection: result.intersection.length, peerSize: result.peerSize }, performance.now() - t0, cpu0);
  }
}

process.send?.({ kind: "ready" });
