/**
 * MISP events to STIX 2.1, following the mapping of the MISP project's own converter (misp-stix, MISP to STIX 2.1):
 * the event becomes a report created by the identity of its creator organisation (Orgc); an attribute with
 * `to_ids` becomes an indicator with a STIX pattern, any other an observed-data with its observables; `tlp:*` tags
 * become the TLP 2.0 markings (tlp:white as TLP:CLEAR), other tags labels. Differences from misp-stix, on purpose:
 * observables take the deterministic ids STIX 2.1 asks for (UUIDv5) rather than the attribute's uuid, and the
 * markings are the official TLP 2.0 definitions rather than marking definitions made per tag. Attribute types
 * without a STIX 2.1 observable (misp-stix writes custom x-misp objects for them), MISP objects and galaxies are
 * reported as skipped, with the reason.
 */
import { z } from "zod";
import { type StixObject, scoIdOf, strictestTlp, TLP2_IDS, type TlpLabel } from "./cyber.stix.ts";

const MispTag = z.looseObject({ name: z.string() });
const MispAttribute = z.looseObject({
  uuid: z.uuid(),
  type: z.string(),
  category: z.string().optional(),
  value: z.string(),
  timestamp: z.union([z.string().regex(/^\d+$/), z.number().int()]).optional(),
  comment: z.string().optional(),
  to_ids: z.union([z.boolean(), z.literal("1"), z.literal("0")]).optional(),
  Tag: z.array(MispTag).optional(),
});
export const MispEvent = z.looseObject({
  uuid: z.uuid(),
  info: z.string().min(1),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  timestamp: z.union([z.string().regex(/^\d+$/), z.number().int()]).optional(),
  Orgc: z.looseObject({ name: z.string().min(1), uuid: z.uuid() }),
  Attribute: z.array(MispAttribute).default([]),
  Object: z.array(z.looseObject({ uuid: z.string().optional(), name: z.string().optional() })).default([]),
  Galaxy: z.array(z.looseObject({ name: z.string().optional() })).default([]),
  Tag: z.array(MispTag).default([]),
});
export type MispEvent = z.infer<typeof MispEvent>;
type MispAttribute = z.infer<typeof MispAttribute>;

/** `{"response": [{"Event": ...}]}` (the REST search answer), `{"Event": ...}`, a list of either, or an event. */
export function eventsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body.flatMap(eventsOf);
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    if (Array.isArray(record.response)) return record.response.flatMap(eventsOf);
    if (record.Event) return [record.Event];
    return [body];
  }
  return [body];
}

export interface MispRow {
  event: string;
  attribute?: string | undefined;
  outcome: "imported" | "skipped";
  /** The STIX objects it became. */
  stixIds?: string[] | undefined;
  reason?: string | undefined;
}

const TLP_TAGS: Record<string, TlpLabel> = {
  "tlp:white": "TLP:CLEAR",
  "tlp:clear": "TLP:CLEAR",
  "tlp:green": "TLP:GREEN",
  "tlp:amber": "TLP:AMBER",
  "tlp:amber+strict": "TLP:AMBER+STRICT",
  "tlp:red": "TLP:RED",
};

const iso = (seconds: string | number | undefined, fallback: string) =>
  seconds === undefined ? fallback : new Date(Number(seconds) * 1000).toISOString();

const quote = (value: string) => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

const HASHES: Record<string, string> = { md5: "MD5", sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" };
const hashPath = (name: string) => (/^[A-Za-z0-9_]+$/.test(name) ? name : quote(name));

interface Mapped {
  pattern: string;
  observables: (Record<string, unknown> & { type: string })[];
}

/** One attribute's pattern and observables, as misp-stix writes them; undefined for types STIX has no object for. */
function mapAttribute(a: MispAttribute): Mapped | undefined {
  const v = a.value;
  const ip = (value: string) => ({ type: value.includes(":") ? "ipv6-addr" : "ipv4-addr", value });
  switch (a.type) {
    case "AS": {
      const number = Number(v.replace(/^AS/i, ""));
      if (!Number.isInteger(number) || number < 0) return undefined;
      return {
        pattern: `[autonomous-system:number = ${number}]`,
        observables: [{ type: "autonomous-system", number }],
      };
    }
    case "domain":
    case "hostname":
      return { pattern: `[domain-name:value = ${quote(v)}]`, observables: [{ type: "domain-name", value: v }] };
    case "ip-src":
    case "ip-dst": {
      const side = a.type === "ip-src" ? "src" : "dst";
      const address = ip(v);
      return {
        pattern: `[network-traffic:${side}_ref.type = '${address.type}' AND network-traffic:${side}_ref.value = ${quote(v)}]`,
        observables: [address],
      };
    }
    case "url":
    case "link":
      return { pattern: `[url:value = ${quote(v)}]`, observables: [{ type: "url", value: v }] };
    case "email":
    case "email-src":
    case "email-dst": {
      const path =
        a.type === "email-src"
          ? "email-message:from_ref.value"
          : a.type === "email-dst"
            ? "email-message:to_refs[*].value"
            : "email-addr:value";
      return { pattern: `[${path} = ${quote(v)}]`, observables: [{ type: "email-addr", value: v }] };
    }
    case "filename":
      return { pattern: `[file:name = ${quote(v)}]`, observables: [{ type: "file", name: v }] };
    case "mutex":
      return { pattern: `[mutex:name = ${quote(v)}]`, observables: [{ type: "mutex", name: v }] };
    case "mac-address":
      return {
        pattern: `[mac-addr:value = ${quote(v.toLowerCase())}]`,
        observables: [{ type: "mac-addr", value: v.toLowerCase() }],
      };
  }
  const hash = HASHES[a.type];
  if (hash)
    return {
      pattern: `[file:hashes.${hashPath(hash)} = ${quote(v)}]`,
      observables: [{ type: "file", hashes: { [hash]: v } }],
    };
  const composite = /^filename\|(md5|sha1|sha256|sha512)$/.exec(a.type);
  if (composite) {
    const [name, digest] = v.split("|");
    const algorithm = HASHES[composite[1] as string] as string;
    if (!name || !digest) return undefined;
    return {
      pattern: `[file:name = ${quote(name)} AND file:hashes.${hashPath(algorithm)} = ${quote(digest)}]`,
      observables: [{ type: "file", name, hashes: { [algorithm]: digest } }],
    };
  }
  return undefined;
}

export interface MispConversion {
  objects: StixObject[];
  rows: MispRow[];
}

export function convertMispEvent(event: MispEvent): MispConversion {
  const created = iso(event.timestamp, `${event.date ?? "1970-01-01"}T00:00:00.000Z`);
  const identityId = `identity--${event.Orgc.uuid}`;
  const eventTags = event.Tag.map((t) => t.name);
  const markingsOf = (tags: string[]) => {
    const tlp = strictestTlp(tags.flatMap((t) => TLP_TAGS[t.toLowerCase()] ?? []));
    return tlp ? { object_marking_refs: [TLP2_IDS[tlp]] } : {};
  };
  const labelsOf = (tags: string[]) => tags.filter((t) => !TLP_TAGS[t.toLowerCase()]);
  const rows: MispRow[] = [];
  const objects: StixObject[] = [
    {
      type: "identity",
      spec_version: "2.1",
      id: identityId,
      created,
      modified: created,
      name: event.Orgc.name,
      identity_class: "organization",
    },
  ];
  const refs: string[] = [];
  for (const attribute of event.Attribute) {
    const mapped = mapAttribute(attribute);
    if (!mapped) {
      rows.push({
        event: event.uuid,
        attribute: attribute.uuid,
        outcome: "skipped",
        reason: `MISP type ${attribute.type} has no STIX 2.1 object here`,
      });
      continue;
    }
    const at = iso(attribute.timestamp, created);
    const tags = [...eventTags, ...(attribute.Tag ?? []).map((t) => t.name)];
    const common = {
      spec_version: "2.1",
      created: at,
      modified: at,
      created_by_ref: identityId,
      labels: [
        `misp:type="${attribute.type}"`,
        ...(attribute.category ? [`misp:category="${attribute.category}"`] : []),
        ...labelsOf(tags),
      ],
      ...markingsOf(tags),
    };
    const toIds = attribute.to_ids === true || attribute.to_ids === "1";
    if (toIds) {
      const id = `indicator--${attribute.uuid}`;
      objects.push({
        type: "indicator",
        id,
        ...common,
        pattern: mapped.pattern,
        pattern_type: "stix",
        pattern_version: "2.1",
        valid_from: at,
        ...(attribute.comment ? { description: attribute.comment } : {}),
        ...(attribute.category
          ? {
              kill_chain_phases: [
                { kill_chain_name: "misp-category", phase_name: attribute.category.toLowerCase().replaceAll(" ", "-") },
              ],
            }
          : {}),
      });
      refs.push(id);
      rows.push({ event: event.uuid, attribute: attribute.uuid, outcome: "imported", stixIds: [id] });
    } else {
      const observables = mapped.observables.map((o) => {
        const withMarkings = { ...o, spec_version: "2.1", ...markingsOf(tags) } as Record<string, unknown> & {
          type: string;
        };
        return { ...withMarkings, id: scoIdOf(withMarkings) as string };
      });
      const id = `observed-data--${attribute.uuid}`;
      objects.push(...observables, {
        type: "observed-data",
        id,
        ...common,
        first_observed: at,
        last_observed: at,
        number_observed: 1,
        object_refs: observables.map((o) => o.id),
      });
      refs.push(id, ...observables.map((o) => o.id));
      rows.push({
        event: event.uuid,
        attribute: attribute.uuid,
        outcome: "imported",
        stixIds: [id, ...observables.map((o) => o.id)],
      });
    }
  }
  for (const object of event.Object)
    rows.push({
      event: event.uuid,
      attribute: object.uuid,
      outcome: "skipped",
      reason: `MISP object ${object.name ?? ""} is not mapped yet`.trim(),
    });
  for (const galaxy of event.Galaxy)
    rows.push({
      event: event.uuid,
      outcome: "skipped",
      reason: `galaxy ${galaxy.name ?? ""} is not mapped yet`.trim(),
    });
  objects.push({
    type: "report",
    spec_version: "2.1",
    id: `report--${event.uuid}`,
    created,
    modified: created,
    created_by_ref: identityId,
    name: event.info,
    published: created,
    report_types: ["misp-event"],
    labels: ["Threat-Report", ...labelsOf(eventTags)],
    object_refs: refs.length > 0 ? refs : [identityId],
    ...markingsOf(eventTags),
  });
  rows.unshift({ event: event.uuid, outcome: "imported", stixIds: [`report--${event.uuid}`, identityId] });
  return { objects, rows };
}
