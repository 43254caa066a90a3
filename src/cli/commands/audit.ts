import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { request } from "undici";
import { LEAF_STREAM_MEDIA_TYPE, LeafStreamReader } from "../../modules/audit/leaf-stream.ts";
import { unverifiedPayload } from "../../modules/audit/tree-head.ts";
import type { LogKeys, LogSource, SavedHead, SourceLeaf, VerifyReport } from "../../modules/audit/verify-log.ts";
import { verifyLog } from "../../modules/audit/verify-log.ts";
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
export function apiLogSource(
  api: ApiClient,
  options: { peerDescriptorUrl?: string | undefined; recordedHashes?: boolean } = {},
): LogSource {
  let keys: Promise<LogKeys> | undefined;
  const leaves = async (start: number, end: number) =>
    fromPage(await api.call<Page>("GET", `/api/v1/audit/leaves?start=${start}&end=${end}&view=compact`));
  return {
    treeHead: () => api.call("GET", "/api/v1/audit/tree-head"),
    keys: () => {
      keys ??= (async () => {
        const served = await api.call<LogKeys>("GET", "/api/v1/audit/keys");
        if (!options.peerDescriptorUrl) return served;
        // The witness's keys straight from its own descriptor, not as the node under check reports them.
        const url = new URL("/federation/v1/descriptor", options.peerDescriptorUrl);
        const response = await request(url);
        const descriptor = (await response.body.json()) as { party: string; keys: { keys: LogKeys["keys"] } };
        const peers = served.peers.filter((p) => p.party !== descriptor.party);
        return { ...served, peers: [...peers, { party: descriptor.party, keys: descriptor.keys.keys }] };
      })();
      return keys;
    },
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
  writeFileSync(join(dir, "tree-head.json"), `${JSON.stringify(head, null, 2)}\n`);
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
  if (report.ok) {
    console.log(`ok: ${report.party}'s audit log of ${report.treeSize} leaves verifies (root ${report.rootHash})`);
    for (const w of report.witnesses) console.log(`  countersigned by ${w.party} at size ${w.treeSize}`);
    if (report.witnesses.length === 0) console.log("  no witness countersignature yet");
    return;
  }
  if (report.firstBadIndex !== null) console.error(`FAILED at leaf ${report.firstBadIndex}`);
  else console.error("FAILED");
  for (const p of report.problems) console.error(`  ${p}`);
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
    .option("--peer <url>", "take the witness's keys from its own descriptor at this base URL")
    .option("--state <file>", "where the last verified head is kept (default ~/.liaison/audit-<party>.json)")
    .option("--json", "print the report as JSON")
    .action(async (options: ApiTarget & { export?: string; peer?: string; state?: string; json?: boolean }) => {
      const source = options.export
        ? exportLogSource(options.export)
        : apiLogSource(ApiClient.from(options), { peerDescriptorUrl: options.peer });
      const { party } = await source.keys();
      const stateFile = options.state ?? defaultStateFile(party);
      const saved = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, "utf8")) as SavedHead) : undefined;
      const bar = progressBar("verifying");
      const report = await verifyLog(source, { saved, onProgress: bar.update });
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
