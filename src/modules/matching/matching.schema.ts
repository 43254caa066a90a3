import { z } from "zod";
import { IdentifierType } from "./matching.normalise.ts";

/** The most values one list may hold (and one request carry): the benchmark's size, 1,000,000. */
export const MAX_LIST_VALUES = 1_000_000;

export const CreateListRequest = z.object({
  name: z.string().trim().min(1).max(200),
  identifierType: IdentifierType,
  values: z.array(z.string().max(300)).min(1).max(MAX_LIST_VALUES),
  /** The list answers single queries from the other party (matching.query.ts). */
  queryable: z.boolean().default(false),
  /** Country for values written without one (phone region, plate, issuer): ISO 3166-1 alpha-2 or alpha-3. */
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2,3}$/)
    .optional(),
});
export type CreateListRequest = z.infer<typeof CreateListRequest>;

export const ListView = z.object({
  id: z.uuid(),
  name: z.string(),
  identifierType: IdentifierType,
  agency: z.string(),
  queryable: z.boolean(),
  /** Distinct values after normalisation: what a run with this list discloses to the other side. */
  size: z.number().int(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
});

export const RejectedValue = z.object({ index: z.number().int(), code: z.string(), message: z.string() });

export const CreatedList = ListView.extend({
  /** Values refused by the normaliser, by their index in the request (the first 1,000). */
  rejected: z.array(RejectedValue),
  rejectedCount: z.number().int(),
  /** Values equal to an earlier one once normalised. */
  duplicates: z.number().int(),
});

export const ListsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export const ListList = z.object({ items: z.array(ListView) });
