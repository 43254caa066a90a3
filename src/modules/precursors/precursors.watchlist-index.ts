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

/**
 * An in-memory trigram index of one node's watched names. Matching one notification against 100,000 names must
 * take milliseconds (a CSV of 10,000 notifications is matched as it imports), so it never compares with every
 * name, nor walks the posting lists of common trigrams ("che", "ind"): a name scoring at least t shares at least
 * t·|q|/(2−t) of the query's |q| trigrams, so it must share one of the |q| − that + 1 rarest. Only names found
 * through those few short lists are scored, exactly, by merging sorted trigram ids. The index is rebuilt from
 * the database at start and kept in step by the service.
 */
export class WatchlistIndex {
  private readonly entries: (WatchedName | undefined)[] = [];
  /** Each entry's trigram ids, sorted, for the exact count. */
  private readonly grams: Int32Array[] = [];
  private readonly ordinals = new Map<string, number>();
  private readonly gramIds = new Map<string, number>();
  private readonly postings = new Map<WatchedKind, Map<number, number[]>>();
  /** Per entry, the query that last saw it: candidates are collected once without clearing a set per query. */
  private seenBy = new Uint32Array(1024);
  private query = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  add(entry: WatchedName): void {
    this.remove(entry.id);
    const ids = this.idsOf(trigramsOf(nameTokens(entry.text, entry.kind)), true);
    if (ids.length === 0) return;
    const ordinal = this.entries.length;
    this.entries.push(entry);
    this.grams.push(ids);
    this.ordinals.set(entry.id, ordinal);
    let lists = this.postings.get(entry.kind);
    if (!lists) {
      lists = new Map();
      this.postings.set(entry.kind, lists);
    }
    for (const id of ids) {
      const list = lists.get(id);
      if (list) list.push(ordinal);
      else lists.set(id, [ordinal]);
    }
    if (this.seenBy.length < this.entries.length) {
      const grown = new Uint32Array(this.entries.length * 2);
      grown.set(this.seenBy);
      this.seenBy = grown;
    }
    this.live++;
  }

  /** A removed name leaves its postings behind, skipped at query time; a rebuild at the next start drops them. */
  remove(id: string): void {
    const ordinal = this.ordinals.get(id);
    if (ordinal === undefined) return;
    this.entries[ordinal] = undefined;
    this.ordinals.delete(id);
    this.live--;
  }

  /** The watched names of this kind that the text resembles, best first. */
  match(text: string, kind: WatchedKind, threshold = DEFAULT_MATCH_THRESHOLD): WatchlistMatch[] {
    const lists = this.postings.get(kind);
    const querySet = trigramsOf(nameTokens(text, kind));
    if (!lists || querySet.size === 0) return [];
    const size = querySet.size;
    const known = this.idsOf(querySet, false);
    // Trigrams no watched name has count as the rarest of all: they use up prefix places and find no one.
    const unknown = size - known.length;
    const minShared = Math.max(1, Math.ceil((threshold * size) / (2 - threshold) - 1e-9));
    const prefix = size - minShared + 1 - unknown;
    if (prefix <= 0) return [];
    const byRarity = [...known].sort((a, b) => (lists.get(a)?.length ?? 0) - (lists.get(b)?.length ?? 0));
    this.query = (this.query + 1) >>> 0 || 1;
    const matches: WatchlistMatch[] = [];
    for (const gram of byRarity.slice(0, prefix)) {
      for (const ordinal of lists.get(gram) ?? []) {
        if (this.seenBy[ordinal] === this.query) continue;
        this.seenBy[ordinal] = this.query;
        const entry = this.entries[ordinal];
        const grams = this.grams[ordinal];
        if (!entry || !grams) continue;
        const score = (2 * sharedCount(known, grams)) / (size + grams.length);
        if (score >= threshold) matches.push({ entry, score: Math.round(score * 1000) / 1000 });
      }
    }
    return matches.sort((a, b) => b.score - a.score || a.entry.text.localeCompare(b.entry.text));
  }

  /** Trigrams as sorted integer ids; a query does not intern the trigrams no watched name has. */
  private idsOf(grams: ReadonlySet<string>, intern: boolean): Int32Array {
    const ids: number[] = [];
    for (const gram of grams) {
      let id = this.gramIds.get(gram);
      if (id === undefined && intern) {
        id = this.gramIds.size;
        this.gramIds.set(gram, id);
      }
      if (id !== undefined) ids.push(id);
    }
    return Int32Array.from(ids).sort();
  }
}

/** How many ids two sorted lists share. */
function sharedCount(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
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
