import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  consistencyProofRanges,
  type Hash,
  hashRanges,
  inclusionProofRanges,
  leafHash,
  MerkleFrontier,
  nodeHash,
  type SubtreeRef,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.ts";

/** RFC 9162 2.1 written out as plainly as the RFC states it: the reference the optimised code must match. */
const sha = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
function mth(d: Uint8Array[]): Buffer {
  const n = d.length;
  if (n === 0) return sha();
  if (n === 1) return sha(Buffer.from([0]), d[0] as Uint8Array);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
function refPath(m: number, d: Uint8Array[]): Buffer[] {
  const n = d.length;
  if (n <= 1) return [];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k ? [...refPath(m, d.slice(0, k)), mth(d.slice(k))] : [...refPath(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function refSubproof(m: number, d: Uint8Array[], b: boolean): Buffer[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m <= k
    ? [...refSubproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...refSubproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

const leavesOf = (n: number, salt = "") => Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${salt}${i}`));

/** Build the stored form (every completed node) the way the repository does, and a lookup over it. */
function stored(leaves: Uint8Array[]) {
  const nodes = new Map<string, Hash>();
  const frontier = new MerkleFrontier();
  const roots: Hash[] = [frontier.root()];
  for (const leaf of leaves) {
    for (const n of frontier.push(leafHash(leaf))) nodes.set(`${n.level}:${n.index}`, n.hash);
    roots.push(frontier.root());
  }
  const lookup = (ref: SubtreeRef) => {
    const hash = nodes.get(`${ref.level}:${ref.index}`);
    if (!hash) throw new Error(`missing node ${ref.level}:${ref.index}`);
    return hash;
  };
  return { roots, lookup, frontier };
}

const hex = (hashes: Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString("hex"));

describe("Merkle math against the plain RFC 9162 recursion", () => {
  const leaves = leavesOf(300);
  const { roots, lookup } = stored(leaves);

  it("computes the same root for every size up to 300", () => {
    for (let n = 0; n <= 300; n++)
      expect(Buffer.from(roots[n] as Hash).toString("hex")).toBe(mth(leaves.slice(0, n)).toString("hex"));
  });

  it("gives the RFC's inclusion path for every index and size, and it verifies", () => {
    for (let n = 1; n <= 130; n++) {
      const d = leaves.slice(0, n);
      for (let m = 0; m < n; m++) {
        const path = hashRanges(inclusionProofRanges(m, n), lookup);
        expect(hex(path)).toEqual(hex(refPath(m, d)));
        expect(verifyInclusion(leafHash(d[m] as Uint8Array), m, n, path, roots[n] as Hash)).toBe(true);
      }
    }
  });

  it("gives the RFC's consistency proof for every pair of sizes, and it verifies", () => {
    for (let n = 1; n <= 130; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = hashRanges(consistencyProofRanges(m, n), lookup);
        expect(hex(proof)).toEqual(hex(m === n ? [] : refSubproof(m, leaves.slice(0, n), true)));
        expect(verifyConsistency(m, n, roots[m] as Hash, roots[n] as Hash, proof)).toBe(true);
      }
    }
  });

  it("property: for random sizes up to 300, proofs verify and any changed hash breaks them", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 300 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n }))),
        fc.nat(),
        ([n, m, first], flip) => {
          const root = roots[n] as Hash;
          const path = hashRanges(inclusionProofRanges(m, n), lookup);
          expect(verifyInclusion(leafHash(leaves[m] as Uint8Array), m, n, path, root)).toBe(true);
          expect(verifyInclusion(leafHash(Buffer.from("changed")), m, n, path, root)).toBe(false);
          if (path.length > 0) {
            const bad = path.map((h) => Buffer.from(h));
            const target = bad[flip % bad.length] as Buffer;
            target[flip % 32] = (target[flip % 32] as number) ^ 1;
            expect(verifyInclusion(leafHash(leaves[m] as Uint8Array), m, n, bad, root)).toBe(false);
          }
          const proof = hashRanges(consistencyProofRanges(first, n), lookup);
          expect(verifyConsistency(first, n, roots[first] as Hash, root, proof)).toBe(true);
          if (first < n) {
            const forged = mth([...leaves.slice(0, first - 1), Buffer.from("rewritten")]);
            expect(verifyConsistency(first, n, forged, root, proof)).toBe(false);
            const bad = proof.map((h) => Buffer.from(h));
            const target = bad[flip % bad.length] as Buffer;
            target[0] = (target[0] as number) ^ 0x80;
            expect(verifyConsistency(first, n, roots[first] as Hash, root, bad)).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("property: the frontier restored from stored hashes continues the same tree", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 100 }), (cut, more) => {
        const all = leavesOf(cut + more, "p");
        const first = stored(all.slice(0, cut)).frontier;
        const resumed = new MerkleFrontier(cut, first.hashes());
        for (const leaf of all.slice(cut)) resumed.push(leafHash(leaf));
        expect(Buffer.from(resumed.root()).equals(mth(all))).toBe(true);
      }),
    );
  });

  it("refuses proofs for impossible sizes", () => {
    expect(() => inclusionProofRanges(5, 5)).toThrow(RangeError);
    expect(() => consistencyProofRanges(6, 5)).toThrow(RangeError);
    const root = roots[8] as Hash;
    expect(verifyInclusion(leafHash(leaves[0] as Uint8Array), 8, 8, [], root)).toBe(false);
    expect(verifyConsistency(9, 8, root, root, [])).toBe(false);
    expect(verifyConsistency(4, 8, roots[4] as Hash, root, [])).toBe(false);
    expect(nodeHash(roots[1] as Hash, roots[1] as Hash)).toHaveLength(32);
  });
});
