import { describe, expect, it } from "vitest";
import { leafHash, nodeHash, rootFromInclusionProof, toHex, verifyInclusion } from "./merkle.ts";

const leaves = Array.from({ length: 7 }, (_, i) => new TextEncoder().encode(`leaf-${i}`));

/** Reference RFC 9162 MTH and PATH, written the recursive way the RFC states them. */
async function mth(items: Uint8Array[]): Promise<Uint8Array> {
  if (items.length === 1) return leafHash(items[0] as Uint8Array);
  const k = 2 ** Math.floor(Math.log2(items.length - 1));
  return nodeHash(await mth(items.slice(0, k)), await mth(items.slice(k)));
}
async function path(m: number, items: Uint8Array[]): Promise<Uint8Array[]> {
  if (items.length === 1) return [];
  const k = 2 ** Math.floor(Math.log2(items.length - 1));
  if (m < k) return [...(await path(m, items.slice(0, k))), await mth(items.slice(k))];
  return [...(await path(m - k, items.slice(k))), await mth(items.slice(0, k))];
}

describe("RFC 9162 inclusion proofs", () => {
  it("recomputes the root for every leaf of every tree size up to 7", async () => {
    for (let size = 1; size <= leaves.length; size++) {
      const tree = leaves.slice(0, size);
      const root = await mth(tree);
      for (let index = 0; index < size; index++) {
        const proof = await path(index, tree);
        expect(toHex(await rootFromInclusionProof(index, size, tree[index] as Uint8Array, proof))).toBe(toHex(root));
      }
    }
  });

  it("rejects a tampered leaf, a wrong index and a truncated path", async () => {
    const root = await mth(leaves);
    const proof = await path(3, leaves);
    expect(await verifyInclusion(3, 7, leaves[3] as Uint8Array, proof, root)).toBe(true);
    expect(await verifyInclusion(3, 7, new TextEncoder().encode("forged"), proof, root)).toBe(false);
    expect(await verifyInclusion(2, 7, leaves[3] as Uint8Array, proof, root)).toBe(false);
    await expect(rootFromInclusionProof(3, 7, leaves[3] as Uint8Array, proof.slice(1))).rejects.toThrow();
  });
});
