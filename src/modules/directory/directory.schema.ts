import { z } from "zod";
import { PartyCode } from "../../core/party.ts";

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
