import type { Hash, SubtreeRef } from "../../core/merkle.ts";

const HASH_BYTES = 32;

/** The nodes of one level a catch-up reads: indices [from, to). */
export interface LevelSpan {
  level: number;
  from: number;
  to: number;
}

export interface StoredNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

/**
 * The hashes of the log's complete subtrees at and above `minLevel`, held in memory so a proof reads from the
 * database only the few nodes below that level (near its leaf, and near the right edge of its tree). At level 8
 * that is 2 nodes per 256 leaves: 7,800 nodes (250 KB) at 1M leaves.
 *
 * Stored nodes never change once written (the tables are append-only), so this copy needs no invalidation, across
 * processes either: it only grows, densely, by catching up to each larger tree size a proof asks for. A superuser
 * who rewrites nodes behind the triggers' back is not followed here until a restart; the verifier does not depend
 * on the node's proofs for its verdict, only to name a leaf (docs/audit.md).
 */
export class UpperNodeCache {
  /** Per level from `minLevel` up: the hashes of nodes 0 .. count-1, 32 bytes each, in one growing buffer. */
  private readonly levels: { bytes: Buffer; count: number }[] = [];
  private covered = 0;

  constructor(readonly minLevel: number) {}

  /** Every node at or above `minLevel` of a complete subtree within leaves [0, coveredSize) is held. */
  get coveredSize(): number {
    return this.covered;
  }

  has(ref: SubtreeRef): boolean {
    const level = this.levels[ref.level - this.minLevel];
    return level !== undefined && ref.index < level.count;
  }

  get(ref: SubtreeRef): Hash | undefined {
    const level = this.levels[ref.level - this.minLevel];
    if (!level || ref.index >= level.count) return undefined;
    return level.bytes.subarray(ref.index * HASH_BYTES, (ref.index + 1) * HASH_BYTES);
  }

  /** The nodes to read to hold everything up to tree size `size` (none if it is held already). */
  catchUpSpans(size: number): LevelSpan[] {
    const spans: LevelSpan[] = [];
    for (let level = this.minLevel; 2 ** level <= size; level++) {
      const from = Math.floor(this.covered / 2 ** level);
      const to = Math.floor(size / 2 ** level);
      if (to > from) spans.push({ level, from, to });
    }
    return spans;
  }

  /**
   * Take the nodes read for a catch-up from `from` to `size`. Ignored (false) unless the cache still stands at
   * `from` (a concurrent proof may have caught up first) and `nodes` holds every node of the spans: a tree larger
   * than the log, or a damaged log, leaves the cache where it was.
   */
  add(from: number, size: number, nodes: readonly StoredNode[]): boolean {
    if (from !== this.covered || size <= from) return false;
    // A size beyond the log asks for more nodes than exist: refuse before allocating for them.
    const expected = this.catchUpSpans(size).reduce((sum, span) => sum + span.to - span.from, 0);
    if (expected > nodes.length) return false;
    const spans = new Map(
      this.catchUpSpans(size).map((span) => [span.level, { span, hashes: new Array<Uint8Array>(span.to - span.from) }]),
    );
    for (const node of nodes) {
      const at = spans.get(node.level);
      if (at && node.index >= at.span.from && node.index < at.span.to) at.hashes[node.index - at.span.from] = node.hash;
    }
    for (const { hashes } of spans.values()) {
      for (let i = 0; i < hashes.length; i++) if (hashes[i]?.length !== HASH_BYTES) return false;
    }
    for (const { span, hashes } of spans.values()) {
      const level = this.level(span.level);
      this.reserve(level, span.to);
      for (const [i, hash] of hashes.entries()) level.bytes.set(hash, (span.from + i) * HASH_BYTES);
      level.count = span.to;
    }
    this.covered = size;
    return true;
  }

  private level(level: number): { bytes: Buffer; count: number } {
    for (let l = this.levels.length; l <= level - this.minLevel; l++)
      this.levels.push({ bytes: Buffer.alloc(0), count: 0 });
    return this.levels[level - this.minLevel] as { bytes: Buffer; count: number };
  }

  private reserve(level: { bytes: Buffer; count: number }, count: number): void {
    if (level.bytes.length >= count * HASH_BYTES) return;
    const grown = Buffer.alloc(Math.max(count, 2 * level.count, 64) * HASH_BYTES);
    level.bytes.copy(grown, 0, 0, level.count * HASH_BYTES);
    level.bytes = grown;
  }
}
