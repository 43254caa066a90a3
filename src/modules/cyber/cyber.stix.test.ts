import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  microsOf,
  referencesOf,
  scoIdOf,
  strictestTlp,
  TLP2_IDS,
  timestampOf,
  uuidv5,
  withTlp2Markings,
} from "./cyber.stix.ts";

describe("timestamps at microsecond precision", () => {
  it("reads any number of fraction digits, keeps six, and writes six", () => {
    expect(microsOf("2026-12-02T18:00:00Z")).toBe(1796234400000000n);
    expect(microsOf("2026-12-02T18:00:00.1Z")).toBe(1796234400100000n);
    expect(microsOf("2026-12-02T18:00:00.123456789Z")).toBe(1796234400123456n);
    expect(timestampOf(1796234400123456n)).toBe("2026-12-02T18:00:00.123456Z");
    expect(timestampOf(1796234400000001n)).toBe("2026-12-02T18:00:00.000001Z");
  });
  it("refuses what is not a STIX timestamp", () => {
    for (const bad of [
      "2026-02-30T00:00:00Z",
      "2026-12-02T18:00:00",
      "2026-12-02 18:00:00Z",
      "2026-12-02T18:00:00+01:00",
      "1796234400",
      "2026-13-01T00:00:00Z",
    ])
      expect(microsOf(bad), bad).toBeUndefined();
  });
});

describe("deterministic SCO ids", () => {
  it("is UUIDv5 (RFC 9562) in the STIX namespace over the canonical JSON of the contributing properties", () => {
    // RFC 9562 appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
    expect(uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
    const name = '{"value":"198.51.100.3"}';
    const sha = createHash("sha1")
      .update(Buffer.from("00abedb4aa42466c9c01fed23315a9b7", "hex"))
      .update(name)
      .digest("hex");
    const expected = `${sha.slice(0, 8)}-${sha.slice(8, 12)}-5${sha.slice(13, 16)}-${((Number.parseInt(sha.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${sha.slice(18, 20)}-${sha.slice(20, 32)}`;
    expect(scoIdOf({ type: "ipv4-addr", value: "198.51.100.3" })).toBe(`ipv4-addr--${expected}`);
  });
  it("ignores what does not contribute, orders keys canonically, and takes one hash by preference", () => {
    const a = scoIdOf({ type: "file", name: "a.exe", hashes: { "SHA-256": "bb", MD5: "aa" }, size: 3 });
    const b = scoIdOf({ type: "file", hashes: { MD5: "aa" }, name: "a.exe" });
    expect(a).toBe(b);
    expect(scoIdOf({ type: "ipv4-addr", value: "198.51.100.3", defanged: true })).toBe(
      scoIdOf({ type: "ipv4-addr", value: "198.51.100.3" }),
    );
  });
  it("is undefined where STIX says UUIDv4", () => {
    expect(scoIdOf({ type: "process", pid: 4 })).toBeUndefined();
    expect(scoIdOf({ type: "file", size: 4 })).toBeUndefined();
    expect(scoIdOf({ type: "indicator" })).toBeUndefined();
  });
});

describe("TLP markings", () => {
  it("maps TLP 1.0 ids to TLP 2.0, WHITE to CLEAR, without duplicates", () => {
    const object = {
      type: "indicator",
      id: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
      object_marking_refs: ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TLP2_IDS["TLP:CLEAR"]],
      granular_markings: [
        { marking_ref: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", selectors: ["name"] },
      ],
    };
    const mapped = withTlp2Markings(object);
    expect(mapped.object_marking_refs).toEqual([TLP2_IDS["TLP:CLEAR"]]);
    expect(mapped.granular_markings).toEqual([{ marking_ref: TLP2_IDS["TLP:RED"], selectors: ["name"] }]);
  });
  it("the strictest label binds", () => {
    expect(strictestTlp(["TLP:GREEN", "TLP:AMBER+STRICT", "TLP:AMBER"])).toBe("TLP:AMBER+STRICT");
    expect(strictestTlp([])).toBeUndefined();
  });
  it("finds references at any depth", () => {
    const refs = referencesOf({
      created_by_ref: "identity--a",
      object_refs: ["indicator--b"],
      extensions: { x: { nested_ref: "file--c" } },
      granular_markings: [{ marking_ref: "marking-definition--d", selectors: ["x"] }],
    });
    expect([...refs].sort()).toEqual(["file--c", "identity--a", "indicator--b", "marking-definition--d"]);
  });
});
