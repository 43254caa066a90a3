import { z } from "zod";

/** The MISP JSON as MISP exports it (checked event by event in cyber.misp.ts, 400 naming the first bad one). */
export const MispImportBody = z.union([z.looseObject({}), z.array(z.unknown())]);
export const MispImportQuery = z.object({
  /** The collection to store into; by default the collection of the caller's agency. */
  collection: z.uuid().optional(),
});

export const MispImportRow = z.object({
  event: z.string(),
  attribute: z.string().optional(),
  outcome: z.enum(["imported", "skipped"]),
  stixIds: z.array(z.string()).optional(),
  reason: z.string().optional(),
});

export const MispImportResult = z.object({
  collection: z.string(),
  events: z.number().int(),
  /** STIX objects stored (those already held are counted in the status, not here). */
  stored: z.number().int(),
  skipped: z.number().int(),
  rows: z.array(MispImportRow),
  /** The TAXII status of the store (GET /taxii2/<root>/status/<id>/ for 24 h). */
  statusId: z.string(),
});
