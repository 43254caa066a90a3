import { z } from "zod";

/** A party is a sovereign state, named by its ISO 3166-1 alpha-2 code. */
export const PartyCode = z
  .string()
  .regex(/^[A-Z]{2}$/, "party must be an ISO 3166-1 alpha-2 code in capitals, e.g. IN or CA");
export type PartyCode = z.infer<typeof PartyCode>;
