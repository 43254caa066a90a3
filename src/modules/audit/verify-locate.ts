import { type Hash, leafHash, verifyConsistency, verifyInclusion } from "../../core/merkle.ts";
import { fromBase64 } from "./tree-head.ts";
import type { LogSource } from "./verify-log.ts";

/**
 * Only a root disagrees (the leaves and their recorded hashes were rewritten together): find the first page
 * whose prefix is not consistent with the trusted root, then the first leaf in it with no valid inclusion proof.
 */
export async function locateBadLeaf(
  source: LogSource,
  pageRoots: { size: number; root: Hash }[],
  size: number,
  trustedRoot: Hash,
): Promise<number | null> {
  const proofs = source.proofs;
  const candidates = pageRoots.filter((p) => p.size > 0 && p.size < size);
  if (!proofs) return candidates.length === 0 ? 0 : null;
  let lo = 0;
  let hi = candidates.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const c = candidates[mid] as { size: number; root: Hash };
    const path = (await proofs.consistency(c.size, size)).map(fromBase64);
    if (verifyConsistency(c.size, size, c.root, trustedRoot, path)) lo = mid + 1;
    else hi = mid;
  }
  const start = lo === 0 ? 0 : (candidates[lo - 1] as { size: number }).size;
  const end = lo < candidates.length ? (candidates[lo] as { size: number }).size : size;
  for (let at = start; at < end; at += 1000) {
    for (const leaf of await proofs.leaves(at, Math.min(end, at + 1000) - 1)) {
      const path = (await proofs.inclusion(leaf.index, size)).map(fromBase64);
      if (!verifyInclusion(leafHash(leaf.data), leaf.index, size, path, trustedRoot)) {
        return leaf.index;
      }
    }
  }
  return start;
}
