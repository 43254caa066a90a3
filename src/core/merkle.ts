import { createHash, hash as oneShotHash } from "node:crypto";

/**
 * Merkle tree math of RFC 9162 (Certificate Transparency 2.0), section 2.1, without I/O.
 *
 * The log is stored as the hashes of its complete subtrees: the node (level L, index i) covers leaves
 * [i * 2^L, (i + 1) * 2^L). Every range the RFC's recursion names (a root, a proof element) splits into at most
 * ~log2(n) such complete subtrees, so a tree head or a proof reads O(log n) stored hashes and never the leaves.
 */

export type Hash = Uint8Array;

/** A complete, aligned subtree: level L, index i covers leaves [i * 2^L, (i + 1) * 2^L). */
export interface SubtreeRef {
  level: number;
  index: number;
}

/** A leaf range [start, end) whose RFC 9162 hash is one element of a proof. */
export interface LeafRange {
  start: number;
  end: number;
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

// One-shot hashing of one concatenated buffer is several times faster than a Hash object per call.
const sha256 = (bytes: Uint8Array): Hash => oneShotHash("sha256", bytes, "buffer");

export function leafHash(data: Uint8Array): Hash {
  return sha256(Buffer.concat([LEAF_PREFIX, data]));
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(Buffer.concat([NODE_PREFIX, left, right]));
}

/** The hash of an empty tree: SHA-256 of nothing. */
export function emptyRootHash(): Hash {
  return createHash("sha256").digest();
}

/** k of the RFC: the largest power of two smaller than n (n > 1). Plain arithmetic: sizes exceed 2^31. */
export function splitPoint(n: number): number {
  if (!(n > 1)) throw new RangeError(`split point needs n > 1, got ${n}`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function assertSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

/** The complete subtrees that make up [start, end), left to right (largest aligned block first). */
export function rangeSubtrees(start: number, end: number): SubtreeRef[] {
  const refs: SubtreeRef[] = [];
  let at = start;
  while (at < end) {
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++;
    refs.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return refs;
}

/** RFC 9162 MTH of a range from its complete subtrees' hashes: the RFC's split puts the largest block left. */
export function foldSubtreeHashes(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return emptyRootHash();
  let hash = hashes[hashes.length - 1] as Hash;
  for (let i = hashes.length - 2; i >= 0; i--) hash = nodeHash(hashes[i] as Hash, hash);
  return hash;
}

/** The ranges whose hashes form the inclusion proof of leaf `index` in a tree of `size` (RFC 9162 2.1.3.1), leaf to root. */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  assertSize("index", index);
  assertSize("treeSize", size);
  if (index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const ranges: LeafRange[] = [];
  const walk = (m: number, start: number, end: number): void => {
    const n = end - start;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, start + k);
      ranges.push({ start: start + k, end });
    } else {
      walk(m - k, start + k, end);
      ranges.push({ start, end: start + k });
    }
  };
  walk(index, 0, size);
  return ranges;
}

/** The ranges whose hashes form the consistency proof from `first` to `second` (RFC 9162 2.1.4.1). */
export function consistencyProofRanges(first: number, second: number): LeafRange[] {
  assertSize("first", first);
  assertSize("second", second);
  if (first > second) throw new RangeError(`cannot prove ${first} consistent with the smaller ${second}`);
  if (first === 0 || first === second) return [];
  const ranges: LeafRange[] = [];
  const walk = (m: number, start: number, end: number, whole: boolean): void => {
    const n = end - start;
    if (m === n) {
      if (!whole) ranges.push({ start, end });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      walk(m, start, start + k, whole);
      ranges.push({ start: start + k, end });
    } else {
      walk(m - k, start + k, end, false);
      ranges.push({ start, end: start + k });
    }
  };
  walk(first, 0, second, true);
  return ranges;
}

/** Every stored node a set of ranges needs, deduplicated: one read for a whole proof. */
export function subtreesForRanges(ranges: readonly LeafRange[]): SubtreeRef[] {
  const seen = new Set<number | string>();
  const refs: SubtreeRef[] = [];
  for (const range of ranges) {
    for (const ref of rangeSubtrees(range.start, range.end)) {
      const key = subtreeKey(ref);
      if (seen.has(key)) continue;
      seen.add(key);
      refs.push(ref);
    }
  }
  return refs;
}

/**
 * A key that names a subtree in a Map or Set: a number (no string to build and hash per lookup, which proofs do
 * by the dozen) while the index leaves room for the level below 2^53, as every log short of 2^47 leaves does.
 */
export function subtreeKey(ref: SubtreeRef): number | string {
  return ref.index < 2 ** 47 ? ref.index * 64 + ref.level : `${ref.level}:${ref.index}`;
}

/** Hash each range from stored subtree hashes (`lookup` fails loudly on a missing node). */
export function hashRanges(ranges: readonly LeafRange[], lookup: (ref: SubtreeRef) => Hash): Hash[] {
  return ranges.map((range) => foldSubtreeHashes(rangeSubtrees(range.start, range.end).map(lookup)));
}

function equalHashes(a: Hash, b: Hash): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

function isPowerOfTwo(x: number): boolean {
  let k = 1;
  while (k < x) k *= 2;
  return k === x;
}

const half = (x: number) => Math.floor(x / 2);
const odd = (x: number) => x % 2 === 1;

/** RFC 9162 2.1.3.2: does `path` prove the leaf with hash `leaf` at `index` in the tree of `size` with `root`? */
export function verifyInclusion(leaf: Hash, index: number, size: number, path: readonly Hash[], root: Hash): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(r, root);
}

/** RFC 9162 2.1.4.2: is the tree (`second`, `secondRoot`) an append-only extension of (`first`, `firstRoot`)? */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Hash,
  secondRoot: Hash,
  path: readonly Hash[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  if (first === second) return path.length === 0 && equalHashes(firstRoot, secondRoot);
  if (first === 0) return path.length === 0;
  if (path.length === 0) return false;
  const proof = isPowerOfTwo(first) ? [firstRoot, ...path] : [...path];
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0] as Hash;
  let sr = proof[0] as Hash;
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(fr, firstRoot) && equalHashes(sr, secondRoot);
}

/** A node completed by an append, to be stored. */
export interface CompletedNode extends SubtreeRef {
  hash: Hash;
}

/**
 * The right edge of a growing tree (its complete subtrees, largest first): appends leaves, reports the nodes
 * each append completes, and gives the root at any moment in O(log n) memory. Used to append to the stored
 * tree (started from the stored frontier) and to verify a log by streaming its leaves.
 */
export class MerkleFrontier {
  private readonly stack: CompletedNode[];
  private count: number;

  constructor(size = 0, frontier: readonly Hash[] = []) {
    assertSize("size", size);
    const refs = rangeSubtrees(0, size);
    if (refs.length !== frontier.length) {
      throw new RangeError(`a tree of ${size} leaves has ${refs.length} frontier hashes, got ${frontier.length}`);
    }
    this.stack = refs.map((ref, i) => ({ ...ref, hash: frontier[i] as Hash }));
    this.count = size;
  }

  get size(): number {
    return this.count;
  }

  /** Append a leaf by its leaf hash; returns the leaf node and every internal node it completed. */
  push(leaf: Hash): CompletedNode[] {
    const completed: CompletedNode[] = [{ level: 0, index: this.count, hash: leaf }];
    let top: CompletedNode = completed[0] as CompletedNode;
    for (;;) {
      const left = this.stack[this.stack.length - 1];
      if (!left || left.level !== top.level) break;
      this.stack.pop();
      top = { level: top.level + 1, index: left.index / 2, hash: nodeHash(left.hash, top.hash) };
      completed.push(top);
    }
    this.stack.push(top);
    this.count++;
    return completed;
  }

  root(): Hash {
    return foldSubtreeHashes(this.stack.map((n) => n.hash));
  }

  /** The frontier hashes, largest subtree first: what `new MerkleFrontier(size, hashes)` restores. */
  hashes(): Hash[] {
    return this.stack.map((n) => n.hash);
  }
}
