/**
 * STIX 2.1 facts the store relies on: timestamps at microsecond precision (TAXII's date_added), the official TLP
 * 2.0 marking definitions and the TLP 1.0 ids they replace, and deterministic ids of cyber-observable objects.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../core/canonical-json.ts";

export type StixObject = Record<string, unknown> & { type: string; id: string };

/** RFC 3339 in UTC as STIX 2.1 requires it (section 3.2): `Z`, optional fraction of any length. */
export const STIX_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;
export const STIX_ID =
  /^([a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9])--([0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$/;

/**
 * A STIX or TAXII timestamp as microseconds since the epoch (bigint: JavaScript dates stop at milliseconds, and
 * TAXII's date_added must tell apart objects stored in the same millisecond). Digits past the sixth are cut,
 * which keeps `added_after` exact: an object at .123456 is not after .1234567, and one at .123457 is.
 * Undefined for anything that is not a valid timestamp (a 30 February included).
 */
export function microsOf(text: string): bigint | undefined {
  const m = STIX_TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  if (new Date(ms).getUTCDate() !== day) return undefined;
  const fraction = (m[7] ?? "").slice(0, 6).padEnd(6, "0");
  return BigInt(ms) * 1000n + BigInt(fraction);
}

/** Microseconds since the epoch as a STIX timestamp with all six digits (TAXII date_added). */
export function timestampOf(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const rest = (micros % 1000n).toString().padStart(3, "0");
  return `${new Date(ms).toISOString().slice(0, 23)}${rest}Z`;
}

// ---- TLP

export const TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
export const TLP_LABELS = ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"] as const;
export type TlpLabel = (typeof TLP_LABELS)[number];

/** The official TLP 2.0 marking-definition ids (shared/domain/stix-tlp2-markings.json). */
export const TLP2_IDS: Record<TlpLabel, string> = {
  "TLP:CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
  "TLP:GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
  "TLP:AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
  "TLP:AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
  "TLP:RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/**
 * The TLP 1.0 marking definitions of STIX 2.1 section 7.2.1.4, recognised on import and replaced by their TLP 2.0
 * successors: WHITE became CLEAR (exporting CLEAR under the WHITE id is what MISP refuses, MISP #9357).
 */
export const TLP1_TO_TLP2: Record<string, TlpLabel> = {
  "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "TLP:CLEAR",
  "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "TLP:GREEN",
  "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "TLP:AMBER",
  "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "TLP:RED",
};

const TLP_BY_ID = new Map<string, TlpLabel>(
  (Object.entries(TLP2_IDS) as [TlpLabel, string][]).map(([label, id]) => [id, label]),
);

/** The TLP 2.0 label an id names (a TLP 1.0 id names its successor), or undefined for other markings. */
export function tlpOfMarking(id: string): TlpLabel | undefined {
  return TLP_BY_ID.get(id) ?? TLP1_TO_TLP2[id];
}

export const isTlpMarking = (id: string) => tlpOfMarking(id) !== undefined;

/** The strictest of the labels, which is the one that binds (an object marked GREEN and RED is RED). */
export function strictestTlp(labels: readonly TlpLabel[]): TlpLabel | undefined {
  let best: TlpLabel | undefined;
  for (const label of labels) if (!best || TLP_LABELS.indexOf(label) > TLP_LABELS.indexOf(best)) best = label;
  return best;
}

/**
 * The object with TLP 1.0 marking references (object and granular) replaced by the TLP 2.0 ids, duplicates
 * removed; the object itself when it has none. A TLP 1.0 marking-definition object is not rewritten here: the
 * store answers it with the official TLP 2.0 definition (cyber.service.ts).
 */
export function withTlp2Markings(object: StixObject): StixObject {
  const map = (id: unknown) => (typeof id === "string" && TLP1_TO_TLP2[id] ? TLP2_IDS[TLP1_TO_TLP2[id]] : id);
  const refs = object.object_marking_refs;
  const granular = object.granular_markings;
  const refsChange = Array.isArray(refs) && refs.some((r) => typeof r === "string" && TLP1_TO_TLP2[r]);
  const granularChange =
    Array.isArray(granular) &&
    granular.some((g) => typeof g?.marking_ref === "string" && TLP1_TO_TLP2[g.marking_ref as string]);
  if (!refsChange && !granularChange) return object;
  const next: StixObject = { ...object };
  if (refsChange) next.object_marking_refs = [...new Set((refs as unknown[]).map(map))];
  if (granularChange)
    next.granular_markings = (granular as Record<string, unknown>[]).map((g) => ({
      ...g,
      marking_ref: map(g.marking_ref),
    }));
  return next;
}

/** The object's TLP: the strictest TLP marking among its object markings. */
export function tlpOfObject(object: StixObject): TlpLabel | undefined {
  const refs = Array.isArray(object.object_marking_refs) ? object.object_marking_refs : [];
  return strictestTlp(refs.flatMap((r) => (typeof r === "string" ? (tlpOfMarking(r) ?? []) : [])));
}

// ---- Cyber-observable objects and their deterministic ids (STIX 2.1 section 2.9 and each SCO's section)

/** The id-contributing properties of each SCO type of STIX 2.1 section 6; process has none (UUIDv4). */
export const SCO_ID_PROPERTIES: Record<string, readonly string[]> = {
  artifact: ["hashes", "payload_bin"],
  "autonomous-system": ["number"],
  directory: ["path"],
  "domain-name": ["value"],
  "email-addr": ["value"],
  "email-message": ["from_ref", "subject", "body"],
  file: ["hashes", "name", "extensions", "parent_directory_ref"],
  "ipv4-addr": ["value"],
  "ipv6-addr": ["value"],
  "mac-addr": ["value"],
  mutex: ["name"],
  "network-traffic": ["start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"],
  process: [],
  software: ["name", "cpe", "swid", "vendor", "version"],
  url: ["value"],
  "user-account": ["account_type", "user_id", "account_login"],
  "windows-registry-key": ["key", "values"],
  "x509-certificate": ["hashes", "serial_number"],
};

export const isScoType = (type: string) => Object.hasOwn(SCO_ID_PROPERTIES, type);

/** STIX 2.1 namespace for SCO ids (section 2.9). */
export const SCO_NAMESPACE = "00abedb4-aa42-466c-9c01-fed23315a9b7";
/** Of several hashes only one contributes, chosen in this order, else the first other one by name. */
const HASH_PREFERENCE = ["MD5", "SHA-1", "SHA-256", "SHA-512"];

function oneHash(hashes: Record<string, unknown>): Record<string, unknown> {
  const name = HASH_PREFERENCE.find((h) => h in hashes) ?? Object.keys(hashes).sort()[0];
  return name === undefined ? {} : { [name]: hashes[name] };
}

/** RFC 9562 UUIDv5 (SHA-1 of the namespace's bytes then the name's). */
export function uuidv5(namespace: string, name: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The deterministic id of a cyber observable: UUIDv5 in the STIX namespace over the RFC 8785 canonical JSON of
 * its id-contributing properties that are present. Undefined where STIX says UUIDv4 (a type with no such
 * properties, or none of them present).
 */
export function scoIdOf(object: Record<string, unknown> & { type: string }): string | undefined {
  const names = SCO_ID_PROPERTIES[object.type];
  if (!names) return undefined;
  const contributing: Record<string, unknown> = {};
  for (const name of names) {
    const value = object[name];
    if (value === undefined) continue;
    contributing[name] =
      name === "hashes" && value && typeof value === "object" ? oneHash(value as Record<string, unknown>) : value;
  }
  if (Object.keys(contributing).length === 0) return undefined;
  return `${object.type}--${uuidv5(SCO_NAMESPACE, canonicalJson(contributing))}`;
}

// ---- References

/** Every id the object refers to: properties named `*_ref` / `*_refs` at any depth (STIX 2.1 section 3.1). */
export function referencesOf(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencesOf(item, into);
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key.endsWith("_ref") && typeof item === "string") into.add(item);
      else if (key.endsWith("_refs") && Array.isArray(item)) {
        for (const ref of item) if (typeof ref === "string") into.add(ref);
      } else if (key === "granular_markings" && Array.isArray(item)) {
        for (const g of item) if (typeof g?.marking_ref === "string") into.add(g.marking_ref);
      } else referencesOf(item, into);
    }
  }
  return into;
}
