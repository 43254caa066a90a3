import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../src/cli/api-client.ts";
import { apiLogSource } from "../../src/cli/commands/audit.ts";
import { canonicalJson } from "../../src/core/canonical-json.ts";
import { leafHash } from "../../src/core/merkle.ts";
import {
  appendAuditLeavesNow,
  leafRecordsInOrder,
  readLeafRecords,
  readLogHead,
} from "../../src/modules/audit/audit.repository.ts";
import { leafIndexClaim } from "../../src/modules/audit/leaf-index.ts";
import { LEAF_STREAM_BATCH_BYTES, leafRecordBatches } from "../../src/modules/audit/leaf-stream.source.ts";
import {
  LEAF_STREAM_CHUNK,
  LEAF_STREAM_END,
  LEAF_STREAM_MEDIA_TYPE,
  LeafStreamReader,
} from "../../src/modules/audit/leaf-stream.ts";
import { verifyLog } from "../../src/modules/audit/verify-log.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/** A record as the database writes it (audit.repository.ts readLeafRecords), for the reader's tests. */
function record(index: number, data: Uint8Array, hash: Uint8Array | null): Buffer {
  const header = Buffer.alloc(9);
  header.writeUInt32BE(Math.floor(index / 2 ** 32), 0);
  header.writeUInt32BE(index % 2 ** 32, 4);
  header[8] = hash ? 32 : 0;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([header, ...(hash ? [hash] : []), length, data]);
}

// A deterministic sequence, so a failure can be replayed.
function random(seed: number) {
  let x = seed;
  return (max: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % max;
  };
}

function readAll(stream: Buffer, cut: (remaining: number) => number) {
  const reader = new LeafStreamReader();
  const leaves = [];
  for (let at = 0; at < stream.length; ) {
    const size = Math.max(1, Math.min(stream.length - at, cut(stream.length - at)));
    // Each chunk in a buffer of its own, as the network hands them over.
    leaves.push(...reader.push(Uint8Array.from(stream.subarray(at, at + size))));
    at += size;
  }
  return { reader, leaves };
}

describe("leaf stream reader", () => {
  const next = random(7);
  const leaves = Array.from({ length: 300 }, (_, index) => ({
    index: index * 3 + (index > 100 ? 2 ** 40 : 0),
    data: Buffer.from("x".repeat(next(index === 7 ? 200_000 : 600))),
    leafHash: index % 5 === 0 ? null : Buffer.alloc(32, index % 256),
  }));
  const stream = Buffer.concat([...leaves.map((l) => record(l.index, l.data, l.leafHash)), LEAF_STREAM_END]);

  it("gives every record back whatever the chunk boundaries, down to single bytes", () => {
    for (const cut of [() => 1, () => 7, () => 13, () => 45, () => 65_536, (n: number) => n, () => 1 + next(3000)]) {
      const { reader, leaves: read } = readAll(stream, cut);
      expect(() => reader.end()).not.toThrow();
      expect(read.map((l) => l.index)).toEqual(leaves.map((l) => l.index));
      for (const [i, leaf] of read.entries()) {
        expect(Buffer.from(leaf.data).equals(leaves[i]?.data as Buffer)).toBe(true);
        expect(leaf.leafHash === null ? null : Buffer.from(leaf.leafHash)).toEqual(leaves[i]?.leafHash);
      }
    }
  });

  it("refuses a stream cut short, bytes after the end marker, and impossible headers", () => {
    expect(() => readAll(stream.subarray(0, stream.length - 3), () => 100).reader.end()).toThrow(/cut short/);
    expect(() => readAll(stream.subarray(0, stream.length - 8), () => 100).reader.end()).toThrow(/cut short/);
    expect(() => readAll(Buffer.concat([stream, Buffer.from([1])]), () => 100)).toThrow(/after its end marker/);
    const badHash = record(1, Buffer.from("{}"), null);
    badHash[8] = 31;
    expect(() => readAll(badHash, () => 100)).toThrow(/hash length 31/);
    const huge = record(1, Buffer.from("{}"), null);
    huge.writeUInt32BE(2 ** 31, 9);
    expect(() => readAll(huge, () => 100)).toThrow(/too large/);
  });

  it("the server's order check sees a swapped pair", () => {
    const a = record(1, Buffer.from("a"), null);
    const b = record(2, Buffer.from("b"), Buffer.alloc(32));
    expect(leafRecordsInOrder(Buffer.concat([a, b]))).toBe(true);
    expect(leafRecordsInOrder(Buffer.concat([b, a]))).toBe(false);
    expect(leafRecordsInOrder(Buffer.alloc(0))).toBe(true);
  });
});

describe("the index a leaf claims", () => {
  const leaf = (value: Record<string, unknown>) => Buffer.from(canonicalJson(value));

  it("agrees with JSON.parse on leaves as the node writes them, nested `index` members and tricky strings included", () => {
    const next = random(11);
    const strings = ['"index":5', "\\", '\\"', "}", "]{[", '","index":9,"', "é ü 😀", ""];
    for (let i = 0; i < 500; i++) {
      const pick = () => strings[next(strings.length)] as string;
      const value: Record<string, unknown> = {
        action: pick(),
        actor: pick(),
        at: new Date(0).toISOString(),
        index: next(2 ** 30) * (i % 3 === 0 ? 2 ** 20 : 1),
        outcome: "success",
        party: "IN",
        reasons: i % 2 ? [{ policy: pick(), text: pick() }] : [],
        requestId: null,
        subject: pick(),
      };
      if (i % 4 !== 0)
        value.details = { index: 1, list: [[pick()], { index: [2] }], flag: true, n: -1.5e3, none: null };
      const bytes = leaf(value);
      expect(leafIndexClaim(bytes)).toBe(JSON.parse(bytes.toString()).index);
    }
  });

  it("finds no claim where there is no top-level integer index", () => {
    for (const text of [
      "",
      "[]",
      "{}",
      '{"details":{"index":3}}',
      '{"a":"\\"index\\":3"}',
      '{"index":-1}',
      '{"index":1.5}',
      '{"index":01}',
      '{"index":"3"}',
      '{"index":3',
      '{"a":[1,{"index":2}],"b":"x',
      '{"index":12345678901234567890}',
      "not json",
    ]) {
      expect(leafIndexClaim(Buffer.from(text)), text).toBeUndefined();
    }
    expect(leafIndexClaim(Buffer.from('{"a":[1,{"index":2}],"index":4}'))).toBe(4);
  });
});

async function collect(batches: AsyncIterable<Buffer>) {
  const all: Buffer[] = [];
  for await (const batch of batches) all.push(batch);
  return all;
}

/**
 * Each batch holds at least one leaf and less than `budget` bytes of leaf data before its last leaf (so never more
 * than one leaf over); the indices run on without a gap or a repeat. Returns the leaves per batch.
 */
function checkBudget(batches: Buffer[], budget: number): number[] {
  const reader = new LeafStreamReader();
  let expected: number | undefined;
  return batches.map((batch) => {
    const leaves = reader.push(batch);
    expect(leaves.length).toBeGreaterThan(0);
    const bytes = leaves.map((l) => l.data.length);
    const beforeLast = bytes.slice(0, -1).reduce((a, b) => a + b, 0);
    expect(beforeLast).toBeLessThan(budget);
    for (const leaf of leaves) {
      if (expected !== undefined) expect(leaf.index).toBe(expected);
      expected = leaf.index + 1;
    }
    return leaves.length;
  });
}

describe("GET /api/v1/audit/leaves/stream", () => {
  let node: TestNode;
  let size: number;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", listen: false });
    // More than one database read of the stream, so its chunking and prefetch are exercised.
    const events = Array.from({ length: LEAF_STREAM_CHUNK + 500 }, (_, i) => ({
      actor: "tester",
      action: "test.stream",
      subject: `s${i}`,
      outcome: "success",
      details: { text: 'é\u0000"\\', i },
    }));
    await node.deps.database.db.transaction().execute((tx) => appendAuditLeavesNow(tx, "IN", new Date(), events));
    size = (await readLogHead(node.deps.database.db)).treeSize;
  });
  afterAll(async () => node?.close());

  const get = (url: string, token = node.adminToken) =>
    node.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
  const stored = async (start: number, end: number) =>
    node.deps.database.db
      .selectFrom("audit_leaves")
      .select(["index", "data"])
      .where("index", ">=", start)
      .where("index", "<=", end)
      .orderBy("index")
      .execute();

  it("streams exactly the stored leaf bytes in order, with the recorded hashes when asked", async () => {
    for (const [start, end, hashes] of [
      [0, size - 1, "none"],
      [10, LEAF_STREAM_CHUNK + 20, "recorded"],
      [size - 1, size - 1, "recorded"],
    ] as const) {
      const answer = await get(`/api/v1/audit/leaves/stream?start=${start}&end=${end}&hashes=${hashes}`);
      expect(answer.statusCode).toBe(200);
      expect(answer.headers["content-type"]).toBe(LEAF_STREAM_MEDIA_TYPE);
      const reader = new LeafStreamReader();
      const leaves = reader.push(answer.rawPayload);
      reader.end();
      const rows = await stored(start, end);
      expect(leaves.map((l) => l.index)).toEqual(rows.map((r) => Number(r.index)));
      for (const [i, leaf] of leaves.entries()) {
        expect(Buffer.from(leaf.data).equals(Buffer.from(rows[i]?.data as Uint8Array))).toBe(true);
        expect(leaf.leafHash === null ? null : Buffer.from(leaf.leafHash).toString("hex")).toBe(
          hashes === "recorded" ? Buffer.from(leafHash(leaf.data)).toString("hex") : null,
        );
      }
    }
  });

  it("reads the same records whether the aggregate sorts them itself or keeps the subquery's order", async () => {
    const { db } = node.deps.database;
    for (const hashes of [false, true]) {
      const kept = await readLeafRecords(db, 3, 700, hashes);
      const sorted = await readLeafRecords(db, 3, 700, hashes, { sorted: true });
      expect(kept.records.equals(sorted.records)).toBe(true);
      expect(kept.through).toBe(700);
      expect(leafRecordsInOrder(kept.records)).toBe(true);
    }
  });

  it("stops each read at its byte budget, with at least one leaf, and the batches still make the whole stream", async () => {
    const { db } = node.deps.database;
    const whole = Buffer.concat(await collect(leafRecordBatches(db, 0, size - 1, true)));
    for (const budget of [1, 5_000, 50_000]) {
      const end = budget === 1 ? 40 : size - 1;
      const batches = await collect(leafRecordBatches(db, 0, end, true, budget));
      const lengths = checkBudget(batches, budget);
      if (budget === 1) expect(lengths.every((n) => n === 1)).toBe(true);
      else expect(batches.length).toBeGreaterThan(size / LEAF_STREAM_CHUNK + 1);
      if (end === size - 1) expect(Buffer.concat(batches).equals(whole)).toBe(true);
    }
  });

  it("refuses bad ranges and parameters with documented codes, before streaming, and changes nothing", async () => {
    for (const [url, code] of [
      [`/api/v1/audit/leaves/stream?start=5&end=2`, "LIAISON_AUDIT_PROOF_RANGE"],
      [`/api/v1/audit/leaves/stream?start=0&end=${size}`, "LIAISON_AUDIT_PROOF_RANGE"],
      [`/api/v1/audit/leaves/stream?start=${2 ** 40}&end=${2 ** 41}`, "LIAISON_AUDIT_PROOF_RANGE"],
      ["/api/v1/audit/leaves/stream?start=-1&end=2", "LIAISON_REQUEST_INVALID"],
      ["/api/v1/audit/leaves/stream?start=0", "LIAISON_REQUEST_INVALID"],
      ["/api/v1/audit/leaves/stream?start=0&end=1&hashes=all", "LIAISON_REQUEST_INVALID"],
      ["/api/v1/audit/leaves/stream?start=0&end=1&view=compact", "LIAISON_REQUEST_INVALID"],
    ] as const) {
      const answer = await get(url);
      expect(answer.statusCode, url).toBe(400);
      expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(answer.json().code, url).toBe(code);
    }
    expect((await readLogHead(node.deps.database.db)).treeSize).toBe(size);
  });

  it("is for auditors and the administrator only", async () => {
    const officer = await node.deps.identity.issueToken(`officer-${Math.random()}`, "liaison-officer", "test");
    expect((await get("/api/v1/audit/leaves/stream?start=0&end=1", officer)).statusCode).toBe(403);
    const anonymous = await node.app.inject({ method: "GET", url: "/api/v1/audit/leaves/stream?start=0&end=1" });
    expect(anonymous.statusCode).toBe(401);
    const auditor = await node.deps.identity.issueToken(`auditor-${Math.random()}`, "auditor", "test");
    expect((await get("/api/v1/audit/leaves/stream?start=0&end=1", auditor)).statusCode).toBe(200);
  });
});

describe("a log of large leaves", () => {
  let node: TestNode;
  const big = 900 * 1024;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN" });
    // ~27 MB of leaves of ~900 KB (as a stranger's text once made them), with small ones between: reads of 8,192
    // of these would each be far beyond the budget.
    for (let i = 0; i < 30; i++) {
      const events = [
        {
          actor: "tester",
          action: "test.big",
          subject: `b${i}`,
          outcome: "success",
          details: { text: "x".repeat(big) },
        },
        { actor: "tester", action: "test.small", subject: `s${i}`, outcome: "success" },
      ];
      await node.deps.database.db.transaction().execute((tx) => appendAuditLeavesNow(tx, "IN", new Date(), events));
    }
  }, 300_000);
  afterAll(async () => node?.close());

  it("is read in batches of at most the budget and one leaf, and verifies", async () => {
    const { db } = node.deps.database;
    const size = (await readLogHead(db)).treeSize;
    const batches = await collect(leafRecordBatches(db, 0, size - 1, true));
    expect(batches.length).toBeGreaterThanOrEqual(3);
    const lengths = checkBudget(batches, LEAF_STREAM_BATCH_BYTES);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(size);
    await node.deps.audit.publishTreeHead();
    const report = await verifyLog(apiLogSource(new ApiClient(node.url, node.adminToken), { recordedHashes: true }));
    expect(report.firstBadIndex).toBeNull();
    expect(report.treeSize).toBe(size);
    // No witness here: the only problem allowed is the countersignature age, which a fresh log does not reach.
    expect(report.problems).toEqual([]);
  }, 300_000);
});
