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
 * take milliseconds (a CSV of 10,000 notifications is matched as it imports), so instead of comparing with every
 * name it counts, per name, the trigrams it shares with the query through posting lists, and scores only those
 * that share enough. The index is rebuilt from the database at start and kept in step by the service.
 */
export class WatchlistIndex {
  private readonly entries: (WatchedName | undefined)[] = [];
  private readonly sizes: number[] = [];
  private readonly ordinals = new Map<string, number>();
  private readonly postings = new Map<string, number[]>();
  private shared = new Uint16Array(1024);
  private live = 0;

  get size(): number {
    return this.live;
  }

  add(entry: WatchedName): void {
    this.remove(entry.id);
    const grams = trigramsOf(nameTokens(entry.text, entry.kind));
    if (grams.size === 0) return;
    const ordinal = this.entries.length;
    this.entries.push(entry);
    this.sizes.push(grams.size);
    this.ordinals.set(entry.id, ordinal);
    for (const gram of grams) {
      const list = this.postings.get(`${entry.kind}:${gram}`);
      if (list) list.push(ordinal);
      else this.postings.set(`${entry.kind}:${gram}`, [ordinal]);
    }
    if (this.shared.length < this.entries.length) {
      const grown = new Uint16Array(this.entries.length * 2);
      grown.set(this.shared);
      this.shared = grown;
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
    const query = trigramsOf(nameTokens(text, kind));
    if (query.size === 0) return [];
    const touched: number[] = [];
    for (const gram of query) {
      const list = this.postings.get(`${kind}:${gram}`);
      if (!list) continue;
      for (const ordinal of list) {
        if (this.shared[ordinal] === 0) touched.push(ordinal);
        this.shared[ordinal] = (this.shared[ordinal] ?? 0) + 1;
      }
    }
    const matches: WatchlistMatch[] = [];
    for (const ordinal of touched) {
      const score = (2 * (this.shared[ordinal] ?? 0)) / (query.size + (this.sizes[ordinal] ?? 0));
      this.shared[ordinal] = 0;
      const entry = this.entries[ordinal];
      if (entry && score >= threshold) matches.push({ entry, score: Math.round(score * 1000) / 1000 });
    }
    return matches.sort((a, b) => b.score - a.score || a.entry.text.localeCompare(b.entry.text));
  }
}

/** The same comparison without an index, for one pair (tests, and the reason shown to the authority). */
export function similarity(a: string, b: string, kind: WatchedKind): number {
  return diceOf(trigramsOf(nameTokens(a, kind)), trigramsOf(nameTokens(b, kind)));
}
