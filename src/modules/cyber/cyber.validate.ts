/**
 * STIX 2.1 object validation: JSON schemas checked by ajv, then the rules a schema cannot say (the id names the
 * type, modified is not before created, an indicator's STIX pattern parses). The OASIS schema repository
 * (cti-stix2-json-schemas) is not published on npm, so the schemas here are written from the STIX 2.1 standard's
 * property tables (sections 3-7): the common properties of SDOs, SROs and SCOs, the required properties and
 * ranges of each of the standard's object types. Custom types (not in the standard) are checked on the common
 * properties only.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { parseStixPattern, StixPatternError } from "./cyber.pattern.ts";
import { isScoType, microsOf, type StixObject } from "./cyber.stix.ts";

type Schema = Record<string, unknown>;

const timestamp: Schema = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$" };
/** Millisecond precision at least, as `created` and `modified` must have (STIX 2.1 section 3.2). */
const timestampMs: Schema = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3,}Z$" };
const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
const identifier: Schema = { type: "string", pattern: `^[a-z0-9][a-z0-9-]*--${uuid}$` };
const idOf = (...types: string[]): Schema => ({ type: "string", pattern: `^(${types.join("|")})--${uuid}$` });
const identifiers: Schema = { type: "array", items: identifier, minItems: 1 };
const stringList: Schema = { type: "array", items: { type: "string" }, minItems: 1 };
const hashes: Schema = {
  type: "object",
  minProperties: 1,
  propertyNames: { minLength: 3, maxLength: 250 },
  additionalProperties: { type: "string" },
};
const count: Schema = { type: "integer", minimum: 0, maximum: 999_999_999 };

const externalReference: Schema = {
  type: "object",
  required: ["source_name"],
  properties: {
    source_name: { type: "string" },
    description: { type: "string" },
    url: { type: "string" },
    hashes,
    external_id: { type: "string" },
  },
  anyOf: [{ required: ["description"] }, { required: ["url"] }, { required: ["external_id"] }],
};
const granularMarking: Schema = {
  type: "object",
  required: ["selectors"],
  properties: { marking_ref: idOf("marking-definition"), lang: { type: "string" }, selectors: stringList },
  oneOf: [{ required: ["marking_ref"] }, { required: ["lang"] }],
};
const killChainPhase: Schema = {
  type: "object",
  required: ["kill_chain_name", "phase_name"],
  properties: { kill_chain_name: { type: "string" }, phase_name: { type: "string" } },
};

/** Common properties of every object (section 3.1), with what differs between SDO/SRO and SCO added below. */
const common = {
  type: { type: "string", pattern: "^([a-z0-9][a-z0-9-]{1,248}[a-z0-9])$" },
  id: identifier,
  spec_version: { const: "2.1" },
  object_marking_refs: { type: "array", items: idOf("marking-definition"), minItems: 1 },
  granular_markings: { type: "array", items: granularMarking, minItems: 1 },
  extensions: { type: "object", minProperties: 1, additionalProperties: { type: "object" } },
};
const domainCommon = {
  ...common,
  created: timestampMs,
  modified: timestampMs,
  created_by_ref: idOf("identity"),
  revoked: { type: "boolean" },
  labels: stringList,
  confidence: { type: "integer", minimum: 0, maximum: 100 },
  lang: { type: "string" },
  external_references: { type: "array", items: externalReference, minItems: 1 },
};
const domainRequired = ["type", "spec_version", "id", "created", "modified"];

interface TypeRule {
  required?: string[];
  properties?: Record<string, Schema>;
  extra?: Schema;
}

/** Each SDO and SRO of sections 4 and 5: its required properties, and those whose type or range is fixed. */
const DOMAIN_TYPES: Record<string, TypeRule> = {
  "attack-pattern": { required: ["name"], properties: { kill_chain_phases: { type: "array", items: killChainPhase } } },
  campaign: { required: ["name"], properties: { first_seen: timestamp, last_seen: timestamp } },
  "course-of-action": { required: ["name"] },
  grouping: { required: ["context", "object_refs"], properties: { object_refs: identifiers } },
  identity: { required: ["name"] },
  incident: { required: ["name"] },
  indicator: {
    required: ["pattern", "pattern_type", "valid_from"],
    properties: {
      pattern: { type: "string", minLength: 1 },
      pattern_type: { type: "string" },
      valid_from: timestamp,
      valid_until: timestamp,
      indicator_types: stringList,
      kill_chain_phases: { type: "array", items: killChainPhase },
    },
  },
  infrastructure: { required: ["name"], properties: { first_seen: timestamp, last_seen: timestamp } },
  "intrusion-set": { required: ["name"], properties: { first_seen: timestamp, last_seen: timestamp } },
  location: {
    properties: {
      latitude: { type: "number", minimum: -90, maximum: 90 },
      longitude: { type: "number", minimum: -180, maximum: 180 },
      precision: { type: "number", minimum: 0 },
    },
    extra: {
      anyOf: [{ required: ["region"] }, { required: ["country"] }, { required: ["latitude", "longitude"] }],
      dependentRequired: { latitude: ["longitude"], longitude: ["latitude"], precision: ["latitude"] },
    },
  },
  malware: {
    required: ["is_family"],
    properties: {
      is_family: { type: "boolean" },
      sample_refs: identifiers,
      first_seen: timestamp,
      last_seen: timestamp,
    },
    // A malware family needs a name (is_family false, or a name).
    extra: { anyOf: [{ properties: { is_family: { const: false } } }, { required: ["name"] }] },
  },
  "malware-analysis": {
    required: ["product"],
    extra: { anyOf: [{ required: ["result"] }, { required: ["analysis_sco_refs"] }] },
  },
  note: { required: ["content", "object_refs"], properties: { object_refs: identifiers } },
  "observed-data": {
    required: ["first_observed", "last_observed", "number_observed"],
    properties: {
      first_observed: timestamp,
      last_observed: timestamp,
      number_observed: { type: "integer", minimum: 1, maximum: 999_999_999 },
      object_refs: identifiers,
    },
    extra: { oneOf: [{ required: ["object_refs"] }, { required: ["objects"] }] },
  },
  opinion: {
    required: ["opinion", "object_refs"],
    properties: {
      opinion: { enum: ["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"] },
      object_refs: identifiers,
    },
  },
  report: {
    required: ["name", "published", "object_refs"],
    properties: { published: timestamp, object_refs: identifiers },
  },
  "threat-actor": { required: ["name"], properties: { first_seen: timestamp, last_seen: timestamp } },
  tool: { required: ["name"] },
  vulnerability: { required: ["name"] },
  relationship: {
    required: ["relationship_type", "source_ref", "target_ref"],
    properties: {
      relationship_type: { type: "string", pattern: "^[a-z0-9-]+$" },
      source_ref: identifier,
      target_ref: identifier,
      start_time: timestamp,
      stop_time: timestamp,
    },
  },
  sighting: {
    required: ["sighting_of_ref"],
    properties: {
      sighting_of_ref: identifier,
      count,
      first_seen: timestamp,
      last_seen: timestamp,
      observed_data_refs: { type: "array", items: idOf("observed-data"), minItems: 1 },
      where_sighted_refs: { type: "array", items: idOf("identity", "location"), minItems: 1 },
      summary: { type: "boolean" },
    },
  },
};

/** Each SCO of section 6: required properties, and those whose type is fixed. */
const OBSERVABLE_TYPES: Record<string, TypeRule> = {
  artifact: {
    properties: { payload_bin: { type: "string" }, url: { type: "string" }, hashes },
    extra: { oneOf: [{ required: ["payload_bin"] }, { required: ["url", "hashes"] }] },
  },
  "autonomous-system": { required: ["number"], properties: { number: { type: "integer", minimum: 0 } } },
  directory: { required: ["path"] },
  "domain-name": { required: ["value"], properties: { value: { type: "string", minLength: 1 } } },
  "email-addr": { required: ["value"], properties: { value: { type: "string", minLength: 1 } } },
  "email-message": { required: ["is_multipart"], properties: { is_multipart: { type: "boolean" }, date: timestamp } },
  file: {
    properties: { hashes, size: { type: "integer", minimum: 0 }, name: { type: "string" } },
    extra: { anyOf: [{ required: ["hashes"] }, { required: ["name"] }] },
  },
  "ipv4-addr": { required: ["value"], properties: { value: { type: "string", minLength: 1 } } },
  "ipv6-addr": { required: ["value"], properties: { value: { type: "string", minLength: 1 } } },
  "mac-addr": {
    required: ["value"],
    properties: { value: { type: "string", pattern: "^([0-9a-f]{2}:){5}[0-9a-f]{2}$" } },
  },
  mutex: { required: ["name"] },
  "network-traffic": {
    required: ["protocols"],
    properties: {
      protocols: stringList,
      src_port: { type: "integer", minimum: 0, maximum: 65535 },
      dst_port: { type: "integer", minimum: 0, maximum: 65535 },
      start: timestamp,
      end: timestamp,
    },
  },
  process: { properties: { pid: { type: "integer" } } },
  software: { required: ["name"] },
  url: { required: ["value"], properties: { value: { type: "string", minLength: 1 } } },
  "user-account": {},
  "windows-registry-key": {},
  "x509-certificate": { properties: { hashes } },
};

const META_TYPES: Record<string, Schema> = {
  "marking-definition": {
    type: "object",
    required: ["type", "spec_version", "id", "created"],
    properties: { ...domainCommon, name: { type: "string" }, definition_type: { type: "string" } },
    not: { required: ["modified"] },
    anyOf: [{ required: ["definition_type", "definition"] }, { required: ["extensions"] }],
  },
  "language-content": {
    type: "object",
    required: [...domainRequired, "object_ref", "contents"],
    properties: { ...domainCommon, object_ref: identifier, object_modified: timestampMs, contents: { type: "object" } },
  },
  "extension-definition": {
    type: "object",
    required: [...domainRequired, "name", "schema", "version", "extension_types", "created_by_ref"],
    properties: {
      ...domainCommon,
      extension_types: {
        type: "array",
        minItems: 1,
        items: { enum: ["new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"] },
      },
    },
  },
};

function domainSchema(rule: TypeRule): Schema {
  return {
    type: "object",
    required: [...domainRequired, ...(rule.required ?? [])],
    properties: { ...domainCommon, ...(rule.properties ?? {}) },
    ...(rule.extra ?? {}),
  };
}
function observableSchema(rule: TypeRule): Schema {
  return {
    type: "object",
    required: ["type", "id", ...(rule.required ?? [])],
    properties: { ...common, defanged: { type: "boolean" }, ...(rule.properties ?? {}) },
    ...(rule.extra ?? {}),
  };
}

export interface StixIssue {
  /** Where in the object (a JSON pointer), "" for the object itself. */
  path: string;
  message: string;
}

export type Validation = { valid: true } | { valid: false; issues: StixIssue[] };

/** Compiled once per node: compiling is the slow part of ajv, checking an object takes microseconds. */
export class StixValidator {
  private readonly byType = new Map<string, ValidateFunction>();
  private readonly customDomain: ValidateFunction;

  constructor() {
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    for (const [type, rule] of Object.entries(DOMAIN_TYPES)) this.byType.set(type, ajv.compile(domainSchema(rule)));
    for (const [type, rule] of Object.entries(OBSERVABLE_TYPES))
      this.byType.set(type, ajv.compile(observableSchema(rule)));
    for (const [type, schema] of Object.entries(META_TYPES)) this.byType.set(type, ajv.compile(schema));
    this.customDomain = ajv.compile(domainSchema({}));
  }

  validate(value: unknown): Validation {
    if (!value || typeof value !== "object" || Array.isArray(value))
      return invalid("", "a STIX object is a JSON object");
    const object = value as Record<string, unknown>;
    if (typeof object.type !== "string") return invalid("/type", "type is required and is a string");
    if (typeof object.id !== "string") return invalid("/id", "id is required and is a string");
    if (object.type === "bundle") return invalid("/type", "a bundle is not stored as an object: send its objects");
    const check = this.byType.get(object.type) ?? this.customDomain;
    if (!check(object)) return { valid: false, issues: (check.errors ?? []).map(issueOf) };
    return rulesOf(object as StixObject);
  }
}

function invalid(path: string, message: string): Validation {
  return { valid: false, issues: [{ path, message }] };
}

function issueOf(error: ErrorObject): StixIssue {
  const missing = error.keyword === "required" ? ` (${String(error.params.missingProperty)})` : "";
  const allowed = error.keyword === "enum" || error.keyword === "const" ? `: ${JSON.stringify(error.params)}` : "";
  return { path: error.instancePath, message: `${error.message ?? error.keyword}${missing}${allowed}` };
}

/** What the schemas cannot say. */
function rulesOf(object: StixObject): Validation {
  const issues: StixIssue[] = [];
  if (!object.id.startsWith(`${object.type}--`))
    issues.push({ path: "/id", message: `the id must start with ${object.type}--` });
  for (const name of ["created", "modified", "valid_from", "valid_until", "first_seen", "last_seen", "published"]) {
    const value = object[name];
    if (typeof value === "string" && microsOf(value) === undefined)
      issues.push({ path: `/${name}`, message: "not a valid date and time" });
  }
  ordered(object, "created", "modified", issues);
  ordered(object, "valid_from", "valid_until", issues, true);
  ordered(object, "first_seen", "last_seen", issues);
  ordered(object, "first_observed", "last_observed", issues);
  if (!isScoType(object.type) && object.type !== "marking-definition" && object.spec_version !== "2.1")
    issues.push({ path: "/spec_version", message: "only STIX 2.1 is stored" });
  if (object.type === "indicator" && object.pattern_type === "stix" && typeof object.pattern === "string") {
    try {
      parseStixPattern(object.pattern);
    } catch (error) {
      if (!(error instanceof StixPatternError)) throw error;
      issues.push({ path: "/pattern", message: `the STIX pattern does not parse: ${error.message}` });
    }
  }
  return issues.length === 0 ? { valid: true } : { valid: false, issues };
}

function ordered(object: StixObject, first: string, last: string, issues: StixIssue[], strictly = false): void {
  const a = typeof object[first] === "string" ? microsOf(object[first] as string) : undefined;
  const b = typeof object[last] === "string" ? microsOf(object[last] as string) : undefined;
  if (a === undefined || b === undefined) return;
  if (strictly ? b <= a : b < a)
    issues.push({ path: `/${last}`, message: `${last} must be ${strictly ? "after" : "at or after"} ${first}` });
}
