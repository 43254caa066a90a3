import { diceOf, nameTokens, trigramsOf, type WatchedKind } from "./precursors.names.ts";

export interface WatchedName {
  id: string;
  kind: WatchedKind;
  /** As the authority wrote it, shown back in a match's reason. */
  text: string;
  /** Why it is watched: an earlier incident, an intelligence report, a revoked licence. */
  reason: string;
}

export interface WatchlistMatch {
  entry: WatchedName;
  /** Dice's coefficient of the folded names' trigrams, 0-1. */
  score: number;
}

/** 0.8 catches "Sunrise Fine Chemicals" for "Sunrise Fine Chem Pvt Ltd" and one typo in a long name. */
export const DEFAULT_MATCH_THRESHOLD = 0.8;

/** `hits` of a name that cannot match this query, whatever else it shares. */
const PRUNED = 0xffff;

/** A name at Dice ≥ t with a name of n trigrams shares at least this many of them (|other| ≥ t·n/(2−t)). */
function minOverlap(n: number, t: number): number {
  return Math.max(1, Math.ceil((t * n) / (2 - t) - 1e-9));
}

/** How many of a name's trigrams, rarest first, any match at Dice ≥ t must share one of. */
function prefixLength(n: number, t: number): number {
  return n - minOverlap(n, t) + 1;
}

/**
 * An in-memory trigram index of one node's watched names, exact for Dice's coefficient (the same answers as
 * `similarity` over every pair), fast enough to match each notification of a 10,000-row CSV as it imports.
 *
 * Prefix filtering on both sides (Chaudhuri et al. 2006; Xiao et al., PPJoin, 2008; Wang et al. 2012 for the
 * longer prefix): with every name's trigrams sorted in one global order, rarest first, two names sharing
 * α ≥ 2 trigrams share at least two within the first |name| − α + 2 of each. So a name is indexed under that
 * prefix only, and a query walks only its own prefix's lists: common trigrams ("che", "  i", " ph") are in few
 * names' prefixes, so their lists stay short. What the postings hold prunes before any name is read: its
 * length (Dice ≥ t bounds it), the positions of the shared trigrams (they bound the overlap), and a name met
 * only once is dropped. The few left are counted exactly by merging sorted trigram ids.
 *
 * The order is document frequency at the last rebuild, fixed between rebuilds (both sides must use the same
 * one); a trigram first seen since is ordered before all others, which is still one total order. The index
 * rebuilds itself when it has grown by half since the last rebuild, so the order tracks the names it holds.
 */
export class WatchlistIndex {
  /** The lowest threshold `match` accepts: names are indexed under their prefixes for it. */
  readonly minThreshold: number;
  private entries: (WatchedName | undefined)[] = [];
  /** Each entry's trigram ids in the global order, one after another in `pool` from `start[ordinal]`. */
  private pool = new Int32Array(1 << 16);
  private poolUsed = 0;
  private start = new Int32Array(1024);
  private ordinals = new Map<string, number>();
  /** Trigram -> id; the id's order is the global order (negative ids: seen since the last rebuild). */
  private gramIds = new Map<string, number>();
  private newGrams = 0;
  /** Per kind, per trigram id: the names whose prefix holds it (typed arrays: nothing for the GC to trace). */
  private postings = new Map<WatchedKind, Map<number, Postings>>();
  private longestName = 0;
  /** Per entry, the query that last met it, and how many prefix trigrams it shared (no set cleared per query). */
  private seenBy = new Uint32Array(1024);
  private hits = new Uint16Array(1024);
  private query = 0;
  private live = 0;
  private addedSinceRebuild = 0;
  private liveAtRebuild = 0;

  constructor(options: { minThreshold?: number } = {}) {
    this.minThreshold = options.minThreshold ?? DEFAULT_MATCH_THRESHOLD;
    if (!(this.minThreshold > 0 && this.minThreshold <= 1)) throw new RangeError("minThreshold is in (0, 1]");
  }

  get size(): number {
    return this.live;
  }

  /** Replace everything with these names, ordering trigrams by how many of them carry each. */
  replaceAll(entries: Iterable<WatchedName>): void {
    const list = [...entries];
    const frequency = new Map<string, number>();
    const gramsOf = list.map((entry) => {
      const grams = trigramsOf(nameTokens(entry.text, entry.kind));
      for (const gram of grams) frequency.set(gram, (frequency.get(gram) ?? 0) + 1);
      return grams;
    });
    const ranked = [...frequency].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.entries = [];
    this.poolUsed = 0;
    this.longestName = 0;
    this.ordinals = new Map();
    this.gramIds = new Map(ranked.map(([gram], rank) => [gram, rank]));
    this.newGrams = 0;
    this.postings = new Map();
    this.live = 0;
    list.forEach((entry, i) => {
      this.remove(entry.id); // the last of two entries with one id wins, as with add
      this.insert(entry, gramsOf[i] as Set<string>);
    });
    this.addedSinceRebuild = 0;
    this.liveAtRebuild = this.live;
  }

  add(entry: WatchedName): void {
    this.remove(entry.id);
    this.insert(entry, trigramsOf(nameTokens(entry.text, entry.kind)));
    if (++this.addedSinceRebuild > Math.max(1024, this.liveAtRebuild / 2)) this.rebuild();
  }

  /** A removed name leaves its postings behind, skipped at query time; a rebuild drops them. */
  remove(id: string): void {
    const ordinal = this.ordinals.get(id);
    if (ordinal === undefined) return;
    this.entries[ordinal] = undefined;
    this.ordinals.delete(id);
    this.live--;
  }

  /** Re-rank trigrams by their current frequency and re-index; `add` calls it as the index grows. */
  rebuild(): void {
    this.replaceAll(this.entries.filter((e): e is WatchedName => e !== undefined));
  }

  /** The watched names of this kind that the text resembles at Dice ≥ threshold, best first. */
  match(text: string, kind: WatchedKind, threshold = DEFAULT_MATCH_THRESHOLD): WatchlistMatch[] {
    if (threshold < this.minThreshold - 1e-9 || threshold > 1) {
      throw new RangeError(`threshold ${threshold} is outside [${this.minThreshold}, 1] for this index`);
    }
    const lists = this.postings.get(kind);
    const querySet = trigramsOf(nameTokens(text, kind));
    if (!lists || querySet.size === 0) return [];
    const size = querySet.size;
    const known = this.idsOf(querySet, false);
    // Trigrams no watched name has come first in the order (no list to walk) and use up prefix places.
    const unknown = size - known.length;
    if (prefixLength(size, threshold) - unknown <= 0) return [];
    const prefix = Math.min(known.length, prefixLength(size, threshold) + 1 - unknown);
    const shortest = minOverlap(size, threshold);
    const longest = Math.min(this.longestName, Math.floor(((2 - threshold) * size) / threshold + 1e-9));
    if (longest < shortest) return [];
    // Per length of the other name: its prefix at this threshold (one longer: see `hits`), the overlap a match
    // needs, and how many shared trigrams the two prefixes must hold.
    const ownPrefix = new Int32Array(longest + 1);
    const needed = new Int32Array(longest + 1);
    for (let n = shortest; n <= longest; n++) {
      ownPrefix[n] = Math.min(n, prefixLength(n, threshold) + 1);
      needed[n] = Math.ceil((threshold * (size + n)) / 2 - 1e-9);
    }
    this.query = (this.query + 1) >>> 0 || 1;
    const query = this.query;
    const { pool, seenBy, hits, start } = this;
    const rest = known.length;
    /** [ordinal, i, j, n] of each name at its first shared trigram. */
    const candidates: number[] = [];
    for (let i = 0; i < prefix; i++) {
      const list = lists.get(known[i] as number);
      if (!list) continue;
      const postings = list.items;
      for (let p = 0; p < list.used; p += 2) {
        // Filtered on what the posting itself holds before anything of the name is read (each such read is a
        // cache miss): its length (Dice ≥ t bounds it), and whether this trigram lies within the name's own
        // prefix at this threshold (if not, neither does any later one).
        const packed = postings[p + 1] as number;
        const n = packed >>> 16;
        const j = packed & 0xffff;
        if (n < shortest || n > longest || j >= (ownPrefix[n] as number)) continue;
        const ordinal = postings[p] as number;
        const first = seenBy[ordinal] !== query;
        if (!first && hits[ordinal] === PRUNED) continue;
        const before = first ? 0 : (hits[ordinal] as number);
        seenBy[ordinal] = query;
        // Every trigram shared before this one was met on the way (it lies within both prefixes), so the
        // overlap is at most those, this one, and whatever follows in the shorter remainder.
        if (before + 1 + Math.min(rest - i - 1, n - j - 1) < (needed[n] as number)) {
          hits[ordinal] = PRUNED;
          continue;
        }
        hits[ordinal] = before + 1;
        if (first) candidates.push(ordinal, i, j, n);
      }
    }
    const matches: WatchlistMatch[] = [];
    for (let c = 0; c < candidates.length; c += 4) {
      const ordinal = candidates[c] as number;
      const n = candidates[c + 3] as number;
      const need = needed[n] as number;
      const found = hits[ordinal] as number;
      // Prefixes one trigram longer than the least: two names sharing α ≥ 2 trigrams share at least two of
      // them there (the second shared one has at least α − 2 after it in each name), so a name met once is
      // dropped unread. Most candidates share only a common trigram or two and go here.
      if (found === PRUNED || found < Math.min(2, need)) continue;
      const i = candidates[c + 1] as number;
      const j = candidates[c + 2] as number;
      const from = start[ordinal] as number;
      const shared = 1 + sharedCount(known, i + 1, pool, from + j + 1, from + n, need - 1);
      if (shared < need) continue;
      const entry = this.entries[ordinal];
      const score = (2 * shared) / (size + n);
      if (entry && score >= threshold) matches.push({ entry, score: Math.round(score * 1000) / 1000 });
    }
    return matches.sort((a, b) => b.score - a.score || a.entry.text.localeCompare(b.entry.text));
  }

  private insert(entry: WatchedName, grams: ReadonlySet<string>): void {
    const ids = this.idsOf(grams, true);
    if (ids.length === 0) return;
    // A posting packs the name's length and the trigram's place in 16 bits each (a watched name is ≤ 500 chars).
    if (ids.length > 0xffff) throw new RangeError(`a watched name of ${ids.length} trigrams is too long to index`);
    const ordinal = this.entries.length;
    this.entries.push(entry);
    this.ordinals.set(entry.id, ordinal);
    if (this.poolUsed + ids.length > this.pool.length) this.pool = grow(this.pool, this.poolUsed + ids.length);
    this.pool.set(ids, this.poolUsed);
    if (ordinal >= this.start.length) {
      this.start = grow(this.start, ordinal + 1);
      this.seenBy = grow(this.seenBy, ordinal + 1);
      this.hits = grow(this.hits, ordinal + 1);
    }
    this.start[ordinal] = this.poolUsed;
    this.poolUsed += ids.length;
    this.longestName = Math.max(this.longestName, ids.length);
    let lists = this.postings.get(entry.kind);
    if (!lists) {
      lists = new Map();
      this.postings.set(entry.kind, lists);
    }
    const indexed = Math.min(ids.length, prefixLength(ids.length, this.minThreshold) + 1);
    for (let position = 0; position < indexed; position++) {
      const id = ids[position] as number;
      let list = lists.get(id);
      if (!list) {
        list = { items: new Int32Array(8), used: 0 };
        lists.set(id, list);
      }
      if (list.used + 2 > list.items.length) list.items = grow(list.items, list.used + 2);
      list.items[list.used++] = ordinal;
      list.items[list.used++] = (ids.length << 16) | position;
    }
    this.live++;
  }

  /** Trigrams as ids in the global order; a query does not intern the trigrams no watched name has. */
  private idsOf(grams: ReadonlySet<string>, intern: boolean): Int32Array {
    const ids: number[] = [];
    for (const gram of grams) {
      let id = this.gramIds.get(gram);
      if (id === undefined && intern) {
        id = -++this.newGrams;
        this.gramIds.set(gram, id);
      }
      if (id !== undefined) ids.push(id);
    }
    return Int32Array.from(ids).sort();
  }
}

/** One trigram's list: [ordinal, the name's length << 16 | the trigram's place in it, ordinal, ...]. */
interface Postings {
  items: Int32Array;
  used: number;
}

/** A copy at least twice as large (or `atLeast`), contents kept. */
function grow<T extends Int32Array | Uint32Array | Uint16Array>(array: T, atLeast: number): T {
  const grown = new (array.constructor as new (n: number) => T)(Math.max(array.length * 2, atLeast));
  grown.set(array);
  return grown;
}

/**
 * How many ids `a` from `i` and `b[j..end)` share (both sorted), stopping as soon as `needed` can no longer be
 * reached: most candidates fail within a few steps.
 */
function sharedCount(a: Int32Array, i: number, b: Int32Array, j: number, end: number, needed: number): number {
  let shared = 0;
  while (i < a.length && j < end) {
    if (shared + Math.min(a.length - i, end - j) < needed) return shared;
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return shared;
}

/** The same comparison without an index, for one pair (tests, and the reason shown to the authority). */
export function similarity(a: string, b: string, kind: WatchedKind): number {
  return diceOf(trigramsOf(nameTokens(a, kind)), trigramsOf(nameTokens(b, kind)));
}
