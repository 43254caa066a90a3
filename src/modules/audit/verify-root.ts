import { hash as oneShotHash } from "node:crypto";
import { foldSubtreeHashes } from "../../core/merkle.ts";
import { leafIndexClaim } from "./leaf-index.ts";
import type { SourceLeaf } from "./verify-log.ts";

/**
 * Rebuilding the tree from the leaves, for `verifyLog`: the root builder and the per-leaf checks (the index each
 * leaf claims, its recorded hash). This is the verifier's hot path: it runs for every leaf of the log.
 */

/** Leaves between the roots kept to narrow a disagreeing root down (1,000 roots for 1M leaves). */
export const ROOT_EVERY = 1000;

/**
 * The tree being rebuilt from the leaves, kept as its right edge (the hashes of its complete subtrees, largest
 * first: log2(n) hashes). This runs for every leaf of the log, so it avoids what dominated it: hashes are kept as
 * 32-character latin1 strings (node's one-shot hash returns those in half the time of a Buffer), and the RFC 9162
 * inputs are assembled in scratch buffers that already hold the prefix byte, so nothing else is allocated.
 */
export class RootBuilder {
  private readonly edge: string[] = [];
  private count = 0;
  private leafInput = Buffer.alloc(4096);
  /** Views of leafInput by length: leaves repeat a few lengths, and a view per leaf was an allocation per leaf. */
  private leafViews: Buffer[] = [];
  // Buffer's own latin1Write (untyped in @types/node): write(..., "latin1") normalises its arguments first.
  private readonly nodeInput = Buffer.alloc(65, 0x01) as Buffer & {
    latin1Write(text: string, offset: number, length: number): number;
  };

  get size(): number {
    return this.count;
  }

  /** SHA-256(0x00 || data), as a latin1 string. */
  leafHash(data: Uint8Array): string {
    if (data.length + 1 > this.leafInput.length) {
      this.leafInput = Buffer.alloc(2 * (data.length + 1));
      this.leafViews = [];
    }
    this.leafInput[0] = 0x00;
    this.leafInput.set(data, 1);
    const length = data.length + 1;
    this.leafViews[length] ??= this.leafInput.subarray(0, length);
    return oneShotHash("sha256", this.leafViews[length], "binary");
  }

  append(leaf: string): void {
    let hash = leaf;
    // Each trailing one bit of the size is a complete subtree of the same height as the one being carried.
    for (let n = this.count; n % 2 === 1; n = (n - 1) / 2) {
      this.nodeInput.latin1Write(this.edge.pop() as string, 1, 32);
      this.nodeInput.latin1Write(hash, 33, 32);
      hash = oneShotHash("sha256", this.nodeInput, "binary");
    }
    this.edge.push(hash);
    this.count++;
  }

  root(): Buffer {
    return Buffer.from(foldSubtreeHashes(this.edge.map((h) => Buffer.from(h, "latin1"))));
  }
}

/** What is wrong with the leaf expected at `index`, if anything; else it is added to the tree. */
export function leafProblem(leaf: SourceLeaf, index: number, builder: RootBuilder): string | undefined {
  if (leaf.index !== index) {
    return leaf.index > index ? `missing (the next leaf is ${leaf.index})` : `out of order (found ${leaf.index})`;
  }
  const claimed = leafIndexClaim(leaf.data);
  if (claimed !== index) {
    return claimed === undefined
      ? "the leaf bytes are not a JSON object with an index"
      : `the leaf says it is leaf ${claimed}: rows were moved`;
  }
  const hash = builder.leafHash(leaf.data);
  if (leaf.leafHash && !sameHash(hash, leaf.leafHash)) {
    return "the leaf bytes do not match the hash recorded when it was appended: the row was changed";
  }
  builder.append(hash);
  return undefined;
}

/** Whether a latin1 hash string holds the same 32 bytes. */
function sameHash(hash: string, bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  for (let i = 0; i < 32; i++) if (hash.charCodeAt(i) !== bytes[i]) return false;
  return true;
}
