/**
 * TAXII 2.1 URL parameters (section 3.4): each checked, and a malformed one refused with 400 naming it (the
 * reference server answers a bad added_after with 500). `next` is an opaque position bound to the collection, the
 * caller and the filters it was given for; the caller's rights are decided afresh on every page.
 */
import { createHash } from "node:crypto";
import { taxiiErrors } from "./cyber.errors.ts";
import type { ObjectFilter } from "./cyber.service.ts";
import { microsOf, STIX_ID } from "./cyber.stix.ts";

export const MAX_PAGE = 1000;
const TYPE = /^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$/;
const SPEC_VERSION = /^\d+\.\d+$/;

export type Endpoint = "objects" | "manifest" | "object" | "versions" | "delete";

const ALLOWED: Record<Endpoint, readonly string[]> = {
  objects: ["added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]"],
  manifest: ["added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]"],
  object: ["added_after", "limit", "next", "match[version]", "match[spec_version]"],
  versions: ["added_after", "limit", "next", "match[spec_version]"],
  delete: ["match[version]", "match[spec_version]"],
};

export interface ParsedQuery {
  filter: ObjectFilter;
  next?: { position: bigint } | undefined;
  /** What `next` tokens of this request are bound to. */
  filterKey: string;
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw taxiiErrors.badParameter(name, "may be given once");
  if (typeof value !== "string") throw taxiiErrors.badParameter(name, "must be a string");
  return value;
}

function list(query: Record<string, unknown>, name: string, check: (item: string) => boolean, what: string) {
  const value = query[name];
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(","));
  for (const item of items) {
    if (!check(item)) throw taxiiErrors.badParameter(name, `${JSON.stringify(item)} is not ${what}`);
  }
  return [...new Set(items)];
}

export function parseTaxiiQuery(
  query: Record<string, unknown>,
  endpoint: Endpoint,
  binding: { collectionId: string; principal: string; objectId?: string },
): ParsedQuery {
  for (const name of Object.keys(query)) {
    if (!ALLOWED[endpoint].includes(name) && (name.startsWith("match[") || ALLOWED.objects.includes(name)))
      throw taxiiErrors.badParameter(name, `not supported on this endpoint (${ALLOWED[endpoint].join(", ")})`);
  }
  const addedAfterText = single(query, "added_after");
  const addedAfterUs = addedAfterText === undefined ? undefined : microsOf(addedAfterText);
  if (addedAfterText !== undefined && addedAfterUs === undefined)
    throw taxiiErrors.badParameter("added_after", "must be a STIX timestamp, e.g. 2026-01-31T12:00:00.000Z");
  const limitText = single(query, "limit");
  if (limitText !== undefined && !/^[1-9]\d{0,8}$/.test(limitText))
    throw taxiiErrors.badParameter("limit", "must be a positive integer");
  const limit = Math.min(limitText === undefined ? MAX_PAGE : Number(limitText), MAX_PAGE);
  const ids = list(query, "match[id]", (i) => STIX_ID.test(i), "a STIX id");
  const types = list(query, "match[type]", (t) => TYPE.test(t) && !t.includes("--"), "a STIX type");
  const specVersions = list(query, "match[spec_version]", (s) => SPEC_VERSION.test(s), "a spec version like 2.1");
  const versionItems = list(
    query,
    "match[version]",
    (v) => v === "first" || v === "last" || v === "all" || microsOf(v) !== undefined,
    "first, last, all or a STIX timestamp",
  );
  const versions = { first: false, last: false, all: false, exact: [] as bigint[] };
  for (const v of versionItems ?? [endpoint === "versions" ? "all" : "last"]) {
    if (v === "first" || v === "last" || v === "all") versions[v] = true;
    else versions.exact.push(microsOf(v) as bigint);
  }
  if (endpoint === "versions") versions.all = true;
  const filter: ObjectFilter = {
    addedAfterUs,
    ids: binding.objectId ? [binding.objectId] : ids,
    types,
    specVersions,
    versions,
    limit,
  };
  const filterKey = createHash("sha256")
    .update(
      JSON.stringify([
        endpoint,
        binding,
        addedAfterText ?? null,
        ids ?? null,
        types ?? null,
        specVersions ?? null,
        versionItems ?? null,
      ]),
    )
    .digest("base64url")
    .slice(0, 22);
  const nextText = single(query, "next");
  const next = nextText === undefined ? undefined : { position: positionOf(nextText, filterKey) };
  return { filter: { ...filter, afterUs: next?.position }, next, filterKey };
}

export function nextToken(position: bigint, filterKey: string): string {
  return Buffer.from(`${position.toString()}.${filterKey}`).toString("base64url");
}

function positionOf(token: string, filterKey: string): bigint {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(token) ? Buffer.from(token, "base64url").toString() : "";
  const match = /^(\d{1,20})\.([A-Za-z0-9_-]{22})$/.exec(decoded);
  if (!match) throw taxiiErrors.badParameter("next", "is not a next value this server gave");
  if (match[2] !== filterKey)
    throw taxiiErrors.badParameter(
      "next",
      "was given for another collection, caller or filter: repeat that request's filters",
    );
  return BigInt(match[1] as string);
}
