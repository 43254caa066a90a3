import { z } from "zod";

/** The media types of TAXII 2.1 section 1.6.8: every TAXII answer is taxii+json; the objects inside are STIX 2.1. */
export const TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1";
export const STIX_MEDIA_TYPE = "application/stix+json;version=2.1";

/**
 * The TAXII error message (TAXII 2.1 section 3.6.1). `error_code` carries the Liaison code (docs/errors.md) and
 * `error_id` the request id, so an operator can find the request in the log.
 */
export const TaxiiError = z
  .looseObject({
    title: z.string(),
    description: z.string().optional(),
    error_id: z.string().optional(),
    error_code: z.string().optional(),
    http_status: z.string().optional(),
    external_details: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "TaxiiError" });

type Status = 400 | 401 | 403 | 404 | 406 | 413 | 415 | 422 | 429 | 500;

/** A TAXII route's error responses, each naming its codes (the contract test checks they are documented). */
export function taxiiProblems(byStatus: Partial<Record<Status, readonly string[]>>) {
  return Object.fromEntries(
    Object.entries(byStatus).map(([status, codes]) => [
      status,
      { description: `Problem codes: ${codes.join(", ")}`, content: { [TAXII_MEDIA_TYPE]: { schema: TaxiiError } } },
    ]),
  );
}

/** What every TAXII route may answer: a bad credential, a refused media type, a refusal by policy. */
export function commonTaxiiProblems(takesInput: boolean) {
  return taxiiProblems({
    ...(takesInput ? { 400: ["LIAISON_TAXII_BAD_PARAMETER"] } : {}),
    401: ["LIAISON_TAXII_AUTH_REQUIRED", "LIAISON_AUTH_LOGIN_FAILED", "LIAISON_AUTH_INVALID_TOKEN"],
    403: ["LIAISON_POLICY_DENIED"],
    406: ["LIAISON_TAXII_NOT_ACCEPTABLE"],
    429: ["LIAISON_AUTH_LOCKED"],
    500: ["LIAISON_INTERNAL"],
  });
}

export function taxiiSuccess<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { [TAXII_MEDIA_TYPE]: { schema } } };
}

export const Discovery = z.object({
  title: z.string(),
  description: z.string().optional(),
  contact: z.string().optional(),
  default: z.string().optional(),
  api_roots: z.array(z.string()),
});

export const ApiRoot = z.object({
  title: z.string(),
  description: z.string().optional(),
  versions: z.array(z.string()),
  max_content_length: z.number().int(),
});

export const Collection = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  alias: z.string().optional(),
  can_read: z.boolean(),
  can_write: z.boolean(),
  media_types: z.array(z.string()),
});
export const Collections = z.object({ collections: z.array(Collection).optional() });

/** A STIX object as stored: the standard's properties and any others it carries, untouched. */
export const StixObjectShape = z.looseObject({ type: z.string(), id: z.string() });

export const Envelope = z.object({
  more: z.boolean().optional(),
  next: z.string().optional(),
  objects: z.array(StixObjectShape).optional(),
});

export const Manifest = z.object({
  more: z.boolean().optional(),
  next: z.string().optional(),
  objects: z
    .array(z.object({ id: z.string(), date_added: z.string(), version: z.string(), media_type: z.string() }))
    .optional(),
});

export const Versions = z.object({
  more: z.boolean().optional(),
  next: z.string().optional(),
  versions: z.array(z.string()).optional(),
});

const StatusDetail = z.object({ id: z.string(), version: z.string(), message: z.string().optional() });
export const TaxiiStatus = z.object({
  id: z.string(),
  status: z.enum(["complete", "pending"]),
  request_timestamp: z.string().optional(),
  total_count: z.number().int(),
  success_count: z.number().int(),
  successes: z.array(StatusDetail).optional(),
  failure_count: z.number().int(),
  failures: z.array(StatusDetail).optional(),
  pending_count: z.number().int(),
  pendings: z.array(StatusDetail).optional(),
});

export const CollectionParams = z.object({ collectionId: z.string() });
export const ObjectParams = z.object({ collectionId: z.string(), objectId: z.string() });
export const StatusParams = z.object({ statusId: z.string() });

/** Documented for the OpenAPI document; parsed and checked by cyber.taxii.params.ts (400 on anything malformed). */
export const TaxiiQuery = z.looseObject({
  added_after: z.unknown().optional(),
  limit: z.unknown().optional(),
  next: z.unknown().optional(),
  "match[id]": z.unknown().optional(),
  "match[type]": z.unknown().optional(),
  "match[version]": z.unknown().optional(),
  "match[spec_version]": z.unknown().optional(),
});
