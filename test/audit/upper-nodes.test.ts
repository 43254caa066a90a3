import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consistencyProofRanges, inclusionProofRanges } from "../../src/core/merkle.ts";
import { appendAuditLeavesNow, proofPath, readLogHead } from "../../src/modules/audit/audit.repository.ts";
import { toBase64 } from "../../src/modules/audit/tree-head.ts";
import { UpperNodeCache } from "../../src/modules/audit/upper-nodes.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

async function append(node: TestNode, count: number) {
  const events = Array.from({ length: count }, (_, i) => ({
    actor: "tester",
    action: "test.upper",
    subject: `u${i}`,
    outcome: "ok",
  }));
  await node.deps.database.db.transaction().execute((tx) => appendAuditLeavesNow(tx, "IN", new Date(), events));
  return (await readLogHead(node.deps.database.db)).treeSize;
}

/** Proofs served with the upper levels from memory must be the proofs read from the stored nodes alone. */
describe("upper levels of the tree in memory", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", listen: false });
  });
  afterAll(async () => node?.close());

  const stored = async (ranges: ReturnType<typeof inclusionProofRanges>) =>
    (await proofPath(node.deps.database.db, ranges)).map(toBase64);

  it("serves the same proofs as the stored nodes, for sizes the cache catches up to and below", async () => {
    const { audit } = node.deps;
    const first = await append(node, 1500);
    const second = await append(node, 1700);
    // Every kind of size: an older one first (the cache fills to it), the latest (it catches up), then older again.
    for (const size of [first, second, 1024, 257, 256, 255, second - 1]) {
      for (const index of [0, 1, 255, 256, 511, 1023, 1024, size - 1].filter((i) => i < size)) {
        const proof = await audit.inclusionProof(index, size);
        expect(proof.path, `inclusion ${index} in ${size}`).toEqual(await stored(inclusionProofRanges(index, size)));
      }
      for (const from of [1, 255, 256, 257, 1000, size - 1].filter((f) => f < size)) {
        const proof = await audit.consistencyProof(from, size);
        expect(proof.path, `consistency ${from} to ${size}`).toEqual(await stored(consistencyProofRanges(from, size)));
      }
    }
  });

  it("refuses a tree larger than the log with the documented code, and keeps serving proofs", async () => {
    const { treeSize } = await readLogHead(node.deps.database.db);
    for (const url of [
      `/api/v1/audit/proof/inclusion?index=0&treeSize=${treeSize + 1000}`,
      `/api/v1/audit/proof/consistency?from=1&to=${2 ** 40}`,
    ]) {
      const answer = await node.api<{ code: string }>("GET", url);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe("LIAISON_AUDIT_PROOF_RANGE");
    }
    const proof = await node.deps.audit.inclusionProof(treeSize - 1, treeSize);
    expect(proof.path).toEqual(await stored(inclusionProofRanges(treeSize - 1, treeSize)));
  });
});

describe("UpperNodeCache.add", () => {
  const node = (level: number, index: number) => ({ level, index, hash: new Uint8Array(32).fill(level * 16 + index) });
  const hex = (hash: Uint8Array | undefined) => (hash ? Buffer.from(hash).toString("hex") : undefined);

  it("takes a complete catch-up and serves it; refuses a partial one or one that is no longer next", () => {
    const cache = new UpperNodeCache(2);
    // Size 12 at level 2 and up: level 2 nodes 0..2, level 3 node 0.
    expect(cache.catchUpSpans(12)).toEqual([
      { level: 2, from: 0, to: 3 },
      { level: 3, from: 0, to: 1 },
    ]);
    expect(cache.add(0, 12, [node(2, 0), node(2, 1), node(3, 0)])).toBe(false);
    expect(cache.coveredSize).toBe(0);
    expect(cache.add(0, 12, [node(2, 0), node(2, 1), node(2, 2), node(3, 0), node(0, 5)])).toBe(true);
    expect(cache.coveredSize).toBe(12);
    expect(hex(cache.get({ level: 2, index: 2 }))).toBe(hex(node(2, 2).hash));
    expect(hex(cache.get({ level: 3, index: 0 }))).toBe(hex(node(3, 0).hash));
    expect(cache.get({ level: 2, index: 3 })).toBeUndefined();
    expect(cache.get({ level: 1, index: 0 })).toBeUndefined();
    // A catch-up started from 0 by a concurrent proof arrives late: ignored.
    expect(cache.add(0, 16, [node(2, 0), node(2, 1), node(2, 2), node(2, 3), node(3, 0), node(3, 1), node(4, 0)])).toBe(
      false,
    );
    expect(cache.add(12, 16, [node(2, 3), node(3, 1), node(4, 0)])).toBe(true);
    expect(hex(cache.get({ level: 4, index: 0 }))).toBe(hex(node(4, 0).hash));
    // A size far beyond what was read is refused before anything is allocated for it.
    expect(cache.add(16, 2 ** 50, [])).toBe(false);
  });
});
