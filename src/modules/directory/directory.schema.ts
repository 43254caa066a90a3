import { z } from "zod";
import { PartyCode } from "../../core/party.ts";
import { itemsOf } from "../../http/response.schema.ts";

/** The public face of a user, the only part of a user that leaves its node. */
export const DirectoryEntry = z
  .object({
    userId: z.uuid(),
    party: PartyCode,
    username: z.string().min(1).max(64),
    displayName: z.string().min(1).max(200),
    role: z.string().min(1).max(64),
    agency: z.string().min(1).max(64).nullable(),
    lanes: z.array(z.string().min(1).max(64)).max(20),
    active: z.boolean(),
    /** Grows with every change of the entry, so a late envelope cannot undo a newer one. */
    version: z.number().int().min(1),
  })
  .strict();
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;

/** The body of a `directory.entries` envelope. */
export const DirectoryEntriesBody = z.object({ entries: z.array(DirectoryEntry).min(1).max(1000) }).strict();

export const ListDirectoryUsersQuery = z.object({
  agency: z.string().min(1).max(64).optional(),
  lane: z.string().min(1).max(64).optional(),
  party: PartyCode.optional(),
  role: z.string().min(1).max(64).optional(),
});
export type ListDirectoryUsersQuery = z.infer<typeof ListDirectoryUsersQuery>;

// ---- Responses (the OpenAPI document and the web client's types come from them).

/** An agency of shared/domain/agencies.json (directory.domain.ts DomainAgency). */
export const Agency = z.object({
  id: z.string(),
  party: z.string(),
  acronym: z.string(),
  name: z.string(),
  mandate: z.string(),
  lanes: z.array(z.string()),
  /** Canadian agencies bound by the mistreatment-risk directions; false for every Indian agency. */
  acaDirections: z.boolean(),
  acaMandatory: z.boolean(),
});
export const AgencyDirectory = z.object({
  lanes: z.record(z.string(), z.string()),
  parties: z.array(z.object({ code: z.string(), name: z.string(), agencies: z.array(Agency) })),
});
export const DirectoryUserList = itemsOf(DirectoryEntry);
export const PublishResult = z.object({ entries: z.number().int(), envelopes: z.number().int() });
