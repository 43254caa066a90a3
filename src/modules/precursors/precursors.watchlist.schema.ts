import { z } from "zod";
import { Instant, itemsOf } from "../../http/response.schema.ts";
import { WatchlistEntryInput } from "./precursors.schema.ts";
import { WatchlistFlag } from "./precursors.watchlist-port.ts";

/**
 * Requests and answers of the watchlist routes (precursors.watchlist.routes.ts). The watchlist is this node's
 * own: nothing here is ever sent to the other party.
 */

export const WATCHED_KINDS = ["company", "person", "address"] as const;

/** A new entry: kind, the text as the authority writes it, and why it is watched (shown beside every match). */
export const WatchlistEntryRequest = WatchlistEntryInput;
export type WatchlistEntryRequest = z.infer<typeof WatchlistEntryRequest>;

export const WatchlistQuery = z.strictObject({
  kind: z.enum(WATCHED_KINDS).optional(),
  /** Entries whose folded text contains this one's folded text ("sunrise chem" finds "Sunrise Chemicals Ltd"). */
  q: z.string().trim().min(1).max(200).optional(),
  includeRemoved: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `nextCursor` of the previous page. */
  cursor: z.uuid().optional(),
});

export const WatchlistEntryParams = z.strictObject({ id: z.uuid() });

/** Names to try against the watchlist before sending (the new-notification form's live check). */
export const WatchlistCheckRequest = z.strictObject({
  subjects: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(500),
        address: z.string().trim().max(1000).optional(),
        role: z.enum(["exporter", "importer", "consignee", "entity"]).optional(),
        naturalPerson: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(50),
});

// ---- Answers

export const WatchlistEntryView = z.object({
  id: z.uuid(),
  kind: z.enum(WATCHED_KINDS),
  text: z.string(),
  /** The folded form the matching compares (case, punctuation, legal forms and variant spellings folded). */
  normalised: z.string(),
  reason: z.string(),
  addedBy: z.string(),
  createdAt: Instant,
  removedBy: z.string().nullable(),
  removedAt: Instant.nullable(),
});
export type WatchlistEntryView = z.infer<typeof WatchlistEntryView>;

export const WatchlistPage = itemsOf(WatchlistEntryView).extend({
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: z.uuid().nullable(),
  /** Names the node matches against: live entries of every kind, and the companies of earlier incidents. */
  watched: z.number().int(),
});

export const WatchlistCheckAnswer = z.object({ flags: z.array(WatchlistFlag) });
