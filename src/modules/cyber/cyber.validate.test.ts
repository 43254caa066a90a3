import { describe, expect, it } from "vitest";
import { StixValidator } from "./cyber.validate.ts";

const validator = new StixValidator();
const t = "2026-01-02T03:04:05.000Z";
const sdo = (type: string, id: string, rest: Record<string, unknown>) => ({
  type,
  spec_version: "2.1",
  id: `${type}--${id}`,
  created: t,
  modified: t,
  ...rest,
});
const U = "6b0e3856-95f4-4b23-8cb0-3c5b8e0d5c7a";

describe("STIX 2.1 validation", () => {
  const valid: [string, Record<string, unknown>][] = [
    ["identity", sdo("identity", U, { name: "CERT-In", identity_class: "organization" })],
    ["malware family", sdo("malware", U, { is_family: true, name: "Emotet" })],
    ["malware sample", sdo("malware", U, { is_family: false })],
    ["report", sdo("report", U, { name: "r", published: t, object_refs: [`identity--${U}`] })],
    ["grouping", sdo("grouping", U, { context: "suspicious-activity", object_refs: [`identity--${U}`] })],
    [
      "observed-data",
      sdo("observed-data", U, {
        first_observed: t,
        last_observed: t,
        number_observed: 1,
        object_refs: [`ipv4-addr--${U}`],
      }),
    ],
    [
      "relationship",
      sdo("relationship", U, {
        relationship_type: "indicates",
        source_ref: `indicator--${U}`,
        target_ref: `malware--${U}`,
      }),
    ],
    [
      "sighting",
      sdo("sighting", U, { sighting_of_ref: `indicator--${U}`, count: 3, where_sighted_refs: [`identity--${U}`] }),
    ],
    ["location", sdo("location", U, { country: "IN" })],
    [
      "vulnerability",
      sdo("vulnerability", U, {
        name: "CVE-2026-0001",
        external_references: [{ source_name: "cve", external_id: "CVE-2026-0001" }],
      }),
    ],
    ["ipv4-addr", { type: "ipv4-addr", spec_version: "2.1", id: `ipv4-addr--${U}`, value: "198.51.100.3" }],
    ["file", { type: "file", id: `file--${U}`, hashes: { "SHA-256": "ab" } }],
    ["autonomous-system", { type: "autonomous-system", id: `autonomous-system--${U}`, number: 174 }],
    [
      "marking-definition",
      {
        type: "marking-definition",
        spec_version: "2.1",
        id: `marking-definition--${U}`,
        created: t,
        definition_type: "statement",
        definition: { statement: "x" },
      },
    ],
    ["custom type", sdo("x-liaison-note", U, { anything: 1 })],
  ];
  for (const [what, object] of valid) {
    it(`accepts ${what}`, () => expect(validator.validate(object)).toEqual({ valid: true }));
  }

  const invalid: [string, unknown, string][] = [
    ["no type", { id: `indicator--${U}` }, "/type"],
    ["an id of another type", sdo("identity", U, { name: "x", id: `malware--${U}` }), "/id"],
    ["a malformed id", sdo("identity", U, { name: "x", id: "identity--1234" }), "/id"],
    ["a missing required property", sdo("identity", U, {}), ""],
    ["created without milliseconds", sdo("identity", U, { name: "x", created: "2026-01-02T03:04:05Z" }), "/created"],
    ["modified before created", sdo("identity", U, { name: "x", modified: "2025-01-01T00:00:00.000Z" }), "/modified"],
    ["confidence out of range", sdo("identity", U, { name: "x", confidence: 101 }), "/confidence"],
    ["a malware family without a name", sdo("malware", U, { is_family: true }), "/is_family"],
    [
      "an opinion outside its enumeration",
      sdo("opinion", U, { opinion: "maybe", object_refs: [`report--${U}`] }),
      "/opinion",
    ],
    [
      "a sighting count out of range",
      sdo("sighting", U, { sighting_of_ref: `indicator--${U}`, count: 1_000_000_000 }),
      "/count",
    ],
    [
      "an external reference with only a source",
      sdo("identity", U, { name: "x", external_references: [{ source_name: "s" }] }),
      "/external_references/0",
    ],
    [
      "a marking that is not a marking definition",
      sdo("identity", U, { name: "x", object_marking_refs: [`identity--${U}`] }),
      "/object_marking_refs/0",
    ],
    [
      "an indicator valid_until before valid_from",
      sdo("indicator", U, {
        pattern: "[file:name = 'a']",
        pattern_type: "stix",
        valid_from: t,
        valid_until: "2025-01-01T00:00:00Z",
      }),
      "/valid_until",
    ],
    [
      "an indicator whose pattern does not parse",
      sdo("indicator", U, { pattern: "[file:name = ]", pattern_type: "stix", valid_from: t }),
      "/pattern",
    ],
    ["STIX 2.0", sdo("identity", U, { name: "x", spec_version: "2.0" }), "/spec_version"],
    ["an observable without its value", { type: "domain-name", id: `domain-name--${U}` }, ""],
    [
      "a marking definition with modified",
      {
        type: "marking-definition",
        spec_version: "2.1",
        id: `marking-definition--${U}`,
        created: t,
        modified: t,
        definition_type: "statement",
        definition: {},
      },
      "",
    ],
    ["a bundle", { type: "bundle", id: `bundle--${U}`, objects: [] }, "/type"],
    ["an array", [], ""],
  ];
  for (const [what, object, path] of invalid) {
    it(`refuses ${what}`, () => {
      const result = validator.validate(object);
      expect(result.valid).toBe(false);
      if (!result.valid) expect(result.issues[0]?.path).toBe(path);
    });
  }

  it("accepts a pattern in another language without parsing it", () => {
    const yara = sdo("indicator", U, { pattern: "rule x { condition: true }", pattern_type: "yara", valid_from: t });
    expect(validator.validate(yara)).toEqual({ valid: true });
  });
});
