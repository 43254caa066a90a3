import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { LEAF_STREAM_MEDIA_TYPE, LeafStreamReader } from "../../modules/audit/leaf-stream.ts";
import { auditError, unverifiedPayload } from "../../modules/audit/tree-head.ts";
import type {
  LogKeys,
  LogSource,
  SavedHead,
  SourceLeaf,
  VerifyOptions,
  VerifyReport,
} from "../../modules/audit/verify-log.ts";
import { verifyLog } from "../../modules/audit/verify-log.ts";
import { peerKeysFromFile, peerKeysFromUrl, witnessRecordFromUrl } from "../../modules/audit/verify-peer.ts";
import { type PeerKeys, parseAge } from "../../modules/audit/verify-witness.ts";
import { ApiClient, type ApiTarget } from "../api-client.ts";

const PAGE = 1000;
type Page = { items: { index: number; data: string; leafHash?: string | null }[] };

const fromPage = (page: Page): SourceLeaf[] =>
  page.items.map((l) => ({
    index: l.index,
    data: Buffer.from(l.data, "base64"),
    leafHash: l.leafHash ? Buffer.from(l.leafHash, "base64") : null,
  }));

/**
 * The log of a running node, read through its API: the whole log in one response of the leaf stream
 * (binary records, read and checked as they arrive, so memory stays bounded whatever the log's size).
 */
export function apiLogSource(api: ApiClient, options: { recordedHashes?: boolean } = {}): LogSource {
  let keys: Promise<LogKeys> | undefined;
  const leaves = async (start: number, end: number) =>
    fromPage(await api.call<Page>("GET", `/api/v1/audit/leaves?start=${start}&end=${end}&view=compact`));
  return {
    treeHead: () => api.call("GET", "/api/v1/audit/tree-head"),
    // The peers' keys as the audited node serves them: what --peer or --peer-descriptor replace (verify-witness.ts).
    keys: () => {
      keys ??= api.call<LogKeys>("GET", "/api/v1/audit/keys");
      return keys;
    },
    keysSource: `the audited node (${new URL("/api/v1/audit/keys", api.baseUrl)})`,
    async *pages(treeSize: number) {
      if (treeSize === 0) return;
      const hashes = options.recordedHashes ? "recorded" : "none";
      const path = `/api/v1/audit/leaves/stream?start=0&end=${treeSize - 1}&hashes=${hashes}`;
      const body = await api.open(path, LEAF_STREAM_MEDIA_TYPE);
      const reader = new LeafStreamReader();
      for await (const chunk of body) {
        const batch = reader.push(chunk);
        if (batch.length > 0) yield batch;
      }
      reader.end();
    },
    proofs: {
      consistency: async (from, to) =>
        (await api.call<{ path: string[] }>("GET", `/api/v1/audit/proof/consistency?from=${from}&to=${to}`)).path,
      inclusion: async (index, treeSize) =>
        (await api.call<{ path: string[] }>("GET", `/api/v1/audit/proof/inclusion?index=${index}&treeSize=${treeSize}`))
          .path,
      leaves,
    },
  };
}

/** An export written by `liaison audit export`: read back with nothing but the files. */
export function exportLogSource(dir: string): LogSource {
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));
  return {
    treeHead: async () => read("tree-head.json"),
    keys: async () => read("keys.json"),
    keysSource: `the audited node's export (${join(dir, "keys.json")})`,
    async *pages() {
      const lines = createInterface({ input: createReadStream(join(dir, "leaves.jsonl")), crlfDelay: Infinity });
      let page: SourceLeaf[] = [];
      for await (const line of lines) {
        if (!line.trim()) continue;
        page.push(...fromPage({ items: [JSON.parse(line)] }));
        if (page.length === PAGE) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
  };
}

/** Write leaves, the signed head with its countersignatures, and the public keys, for a review body. */
export async function exportLog(api: ApiClient, dir: string, onProgress?: (done: number, total: number) => void) {
  mkdirSync(dir, { recursive: true });
  const head = await api.call<{ signed: string; treeSize: number }>("GET", "/api/v1/audit/tree-head");
  const keys = await api.call<LogKeys>("GET", "/api/v1/audit/keys");
  const out = createWriteStream(join(dir, "leaves.jsonl"));
  // With the hashes the node recorded, so an offline check can name a changed row without the node's proofs.
  const source = apiLogSource(api, { recordedHashes: true });
  let done = 0;
  for await (const page of source.pages(head.treeSize)) {
    const b64 = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("base64") : undefined);
    const chunk = page
      .map((l) => JSON.stringify({ index: l.index, data: b64(l.data), leafHash: b64(l.leafHash) }))
      .join("\n");
    if (!out.write(`${chunk}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    done += page.length;
    onProgress?.(done, head.treeSize);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  // When it was taken: an offline check measures the countersignature age to this time, not to its own.
  const exported = { ...head, exportedAt: new Date().toISOString() };
  writeFileSync(join(dir, "tree-head.json"), `${JSON.stringify(exported, null, 2)}\n`);
  writeFileSync(join(dir, "keys.json"), `${JSON.stringify(keys, null, 2)}\n`);
  writeFileSync(
    join(dir, "README.txt"),
    [
      `Audit log export of party ${keys.party}: ${head.treeSize} leaves.`,
      "leaves.jsonl: one leaf per line, data = base64 of the exact bytes hashed (RFC 9162: SHA-256(0x00 || data)).",
      "tree-head.json: the signed tree head (compact JWS, EdDSA) and the witnesses' countersignatures.",
      "keys.json: the public keys (JWK) of the node and of its pinned peers.",
      "Check with: liaison audit verify --export <this folder>",
      "",
    ].join("\n"),
  );
  return { treeSize: head.treeSize, leaves: done };
}

function exportTime(dir: string): Date {
  const head = JSON.parse(readFileSync(join(dir, "tree-head.json"), "utf8")) as { exportedAt?: string; signed: string };
  return new Date(head.exportedAt ?? (unverifiedPayload(head.signed) as { timestamp: string }).timestamp);
}

export const defaultStateFile = (party: string) => join(homedir(), ".liaison", `audit-${party}.json`);

function progressBar(label: string): { update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) {
    let last = 0;
    return {
      update: (done, total) => {
        if (done - last >= 100_000 || done === total) {
          last = done;
          process.stderr.write(`${label}: ${done}/${total}\n`);
        }
      },
      stop: () => {},
    };
  }
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} leaves`, stream: process.stderr });
  let started = false;
  return {
    update: (done, total) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

function printReport(report: VerifyReport): void {
  const keyLines = report.peerKeys.map(
    (p) =>
      `  ${p.party}'s keys: from ${p.source}${p.independent ? "" : " (not independent: use --peer or --peer-descriptor)"}`,
  );
  const recordLines = report.witnessRecords.map(
    (r) =>
      `  ${r.party}'s own record: ${r.heads} heads countersigned, the newest of size ${r.latest ?? "-"} (${r.source})`,
  );
  if (report.ok) {
    console.log(`ok: ${report.party}'s audit log of ${report.treeSize} leaves verifies (root ${report.rootHash})`);
    for (const w of report.witnesses) console.log(`  countersigned by ${w.party} at size ${w.treeSize}`);
    if (report.witnesses.length === 0) console.log("  no witness countersignature yet");
    for (const line of [...keyLines, ...recordLines]) console.log(line);
    return;
  }
  if (report.firstBadIndex !== null) console.error(`FAILED at leaf ${report.firstBadIndex}`);
  else console.error("FAILED");
  for (const p of report.problems) console.error(`  ${p}`);
  for (const line of [...keyLines, ...recordLines]) console.error(line);
}

type VerifyFlags = ApiTarget & {
  export?: string;
  peer?: string;
  peerToken?: string;
  peerDescriptor?: string;
  countersignAge: string;
  state?: string;
  json?: boolean;
};

/** The witness's keys and record from outside the audited node, as the flags say. */
async function independentPeer(options: VerifyFlags): Promise<Pick<VerifyOptions, "peers" | "witnessRecords">> {
  const peers: PeerKeys[] = [];
  if (options.peerDescriptor) peers.push(peerKeysFromFile(options.peerDescriptor));
  if (!options.peer) return { peers };
  const token = options.peerToken ?? process.env.LIAISON_PEER_TOKEN;
  if (!token) {
    throw auditError(
      "VERIFY_OPTIONS",
      "--peer needs --peer-token (or LIAISON_PEER_TOKEN): an auditor token on the witness, which serves its record of the heads it countersigned only to auditors",
    );
  }
  const fetched = await peerKeysFromUrl(options.peer);
  if (peers.some((p) => p.party === fetched.party)) {
    throw auditError("VERIFY_OPTIONS", `--peer and --peer-descriptor both give ${fetched.party}'s keys: give one`);
  }
  peers.push(fetched);
  return { peers, witnessRecords: [witnessRecordFromUrl(fetched.party, options.peer, token)] };
}

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("the tamper-evident audit log");
  audit
    .command("verify")
    .description("recompute the log from its leaves and check signed heads, countersignatures and an earlier head")
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token of an auditor or administrator")
    .option("-c, --config <file>", "config file")
    .option("--export <dir>", "verify an export offline instead of a running node")
    .option("--peer <url>", "the witness: its keys from its own descriptor, and its record of what it countersigned")
    .option("--peer-token <token>", "auditor token on the witness, for --peer (or LIAISON_PEER_TOKEN)")
    .option("--peer-descriptor <file>", "the witness's keys from a descriptor file obtained out of band")
    .option("--countersign-age <age>", "fail if an event older than this is not countersigned (90s, 30m, 1h, 2d)", "1h")
    .option("--state <file>", "where the last verified head is kept (default ~/.liaison/audit-<party>.json)")
    .option("--json", "print the report as JSON")
    .action(async (options: VerifyFlags) => {
      const countersignAgeMs = parseAge(options.countersignAge);
      if (countersignAgeMs === undefined) {
        throw auditError("VERIFY_OPTIONS", `--countersign-age ${options.countersignAge}: give e.g. 90s, 30m, 1h or 2d`);
      }
      const independent = await independentPeer(options);
      const source = options.export ? exportLogSource(options.export) : apiLogSource(ApiClient.from(options));
      const { party } = await source.keys();
      const stateFile = options.state ?? defaultStateFile(party);
      const saved = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, "utf8")) as SavedHead) : undefined;
      // An export is checked as of when it was taken (older exports: as of their signed head).
      const now = options.export ? exportTime(options.export) : new Date();
      const bar = progressBar("verifying");
      const report = await verifyLog(source, { saved, onProgress: bar.update, countersignAgeMs, now, ...independent });
      bar.stop();
      if (report.ok && report.head) {
        mkdirSync(dirname(stateFile), { recursive: true });
        writeFileSync(stateFile, `${JSON.stringify({ ...report.head, savedAt: new Date().toISOString() }, null, 2)}\n`);
      }
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else printReport(report);
      if (!report.ok) process.exitCode = 1;
    });
  audit
    .command("export")
    .description("write leaves, signed heads, countersignatures and public keys to a folder for a review body")
    .requiredOption("--out <dir>", "folder to write")
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token of an auditor or administrator")
    .option("-c, --config <file>", "config file")
    .action(async (options: ApiTarget & { out: string }) => {
      const bar = progressBar("exporting");
      const result = await exportLog(ApiClient.from(options), options.out, bar.update);
      bar.stop();
      console.log(`exported ${result.leaves} leaves (tree size ${result.treeSize}) to ${options.out}`);
    });
  audit
    .command("head")
    .description("show the current signed tree head and its countersignatures")
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token")
    .option("-c, --config <file>", "config file")
    .action(async (options: ApiTarget) => {
      const head = await ApiClient.from(options).call<{
        signed: string;
        witnesses: { party: string; signed: string }[];
      }>("GET", "/api/v1/audit/tree-head");
      const show = (jws: string) => unverifiedPayload(jws);
      console.log(
        JSON.stringify({ head: show(head.signed), witnesses: head.witnesses.map((w) => show(w.signed)) }, null, 2),
      );
    });
}
