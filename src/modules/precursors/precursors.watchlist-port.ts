import { z } from "zod";

/**
 * The seam between the notifications service and the node's watchlist. Matching runs locally, on every
 * notification this node sends or receives, and what it finds is stored on the notification and shown to the
 * authority: the watchlist itself, and the flags, never cross the border (what crosses is the authority's answer).
 * The notifications service only knows this interface; the watchlist's storage and matching implement it
 * (precursors.watchlist.*.ts), and a node without one simply records no flags.
 */

/** Which part of a notification or incident a name came from. */
export const WATCHLIST_SUBJECT_ROLES = ["exporter", "importer", "consignee", "entity"] as const;
export type WatchlistSubjectRole = (typeof WATCHLIST_SUBJECT_ROLES)[number];

/** One name to check, with its postal address on one line when the notification has one. */
export interface WatchlistSubject {
  name: string;
  /** The address folded to one line ("12 Industrial Estate, Vapi, 396195, IN"); absent when there is none. */
  address?: string | undefined;
  /** Where it came from, echoed back on its flags; the matcher need not read it. */
  role?: WatchlistSubjectRole | undefined;
  /** A natural person rather than a company: matched against watched people, not companies. */
  naturalPerson?: boolean | undefined;
}

/** A match: which subject, against which watched entry, how close, and why the entry is watched. */
export const WatchlistFlag = z.object({
  /** The index in the `subjects` array given to `flagsFor`. */
  subject: z.number().int().min(0),
  role: z.enum(WATCHLIST_SUBJECT_ROLES).optional(),
  /** What matched: the subject's name or its address. */
  matched: z.enum(["name", "address"]),
  /** The subject's text that matched, as the notification wrote it. */
  text: z.string(),
  entry: z.object({
    id: z.string(),
    kind: z.enum(["company", "person", "address"]),
    /** As the authority wrote it on the watchlist. */
    text: z.string(),
    /** Why it is watched: an earlier incident, an intelligence report, a revoked licence. */
    reason: z.string(),
  }),
  /** Similarity of the folded texts, 0-1 (1: the same once folded). */
  score: z.number().min(0).max(1),
});
export type WatchlistFlag = z.infer<typeof WatchlistFlag>;

/** What the notifications service asks of the watchlist; h16b's watchlist service implements it. */
export interface WatchlistPort {
  /**
   * The matches for these subjects, in any order; none is an empty array. Must not write. For a received
   * notification it is called inside the inbox transaction, so it must answer from memory (the index), never by
   * querying the database: on PGlite that transaction holds the only session, and a query would wait forever.
   */
  flagsFor(subjects: readonly WatchlistSubject[]): Promise<WatchlistFlag[]>;
}
