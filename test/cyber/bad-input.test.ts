import { rmSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { collectionOf, indicator, TAXII, type TaxiiUser, taxii, taxiiUser } from "./helpers.ts";

/**
 * Every malformed parameter and invalid object is refused with the status TAXII 2.1 names, and stores nothing:
 * the reference server answers a malformed added_after with 500.
 */
let node: TestNode;
let analyst: TaxiiUser;
let collection: string;

async function stored(): Promise<number> {
  const result = await sql<{ n: string }>`SELECT count(*)::text AS n FROM cyber_objects`.execute(node.deps.database.db);
  return Number(result.rows[0]?.n);
}

beforeAll(async () => {
  node = await startTestNode({ party: "IN", listen: false });
  analyst = await taxiiUser(node, "analyst", "in-certin");
  collection = await collectionOf(node, analyst, "in-certin");
  await taxii(node, "POST", `${collection}/objects/`, { auth: analyst.basic, body: { objects: [indicator()] } });
}, 120_000);

afterAll(async () => {
  await node?.close();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

describe("malformed URL parameters answer 400 naming the parameter", () => {
  const cases: [string, string, string][] = [
    ["objects", "added_after=yesterday", "added_after"],
    ["objects", "added_after=2026-02-30T00:00:00Z", "added_after"],
    ["objects", "added_after=2026-01-01T00:00:00Z&added_after=2026-01-02T00:00:00Z", "added_after"],
    ["objects", "limit=0", "limit"],
    ["objects", "limit=-5", "limit"],
    ["objects", "limit=ten", "limit"],
    ["objects", "next=forged", "next"],
    ["objects", "match[id]=not-an-id", "match[id]"],
    ["objects", "match[type]=Indicator", "match[type]"],
    ["objects", "match[version]=newest", "match[version]"],
    ["objects", "match[spec_version]=two", "match[spec_version]"],
    ["objects", "match[colour]=red", "match[colour]"],
    ["manifest", "added_after=1700000000", "added_after"],
    ["manifest", "match[version]=2026-13-01T00:00:00Z", "match[version]"],
  ];
  for (const [endpoint, query, parameter] of cases) {
    it(`${endpoint}?${query}`, async () => {
      const answer = await taxii<{ error_code: string; http_status: string; details: { parameter: string } }>(
        node,
        "GET",
        `${collection}/${endpoint}/?${query}`,
        { auth: analyst.basic },
      );
      expect(answer.status).toBe(400);
      expect(answer.headers["content-type"]).toBe(TAXII);
      expect(answer.body).toMatchObject({ error_code: "LIAISON_TAXII_BAD_PARAMETER", http_status: "400" });
      expect(answer.body.details.parameter).toBe(parameter);
    });
  }

  it("refuses match[type] on the versions endpoint, where the standard does not have it", async () => {
    const answer = await taxii(
      node,
      "GET",
      `${collection}/objects/indicator--11111111-1111-4111-8111-111111111111/versions/?match[type]=indicator`,
      {
        auth: analyst.basic,
      },
    );
    expect(answer.status).toBe(400);
  });

  it("refuses a next given for other filters", async () => {
    await taxii(node, "POST", `${collection}/objects/`, {
      auth: analyst.basic,
      body: { objects: [indicator(), indicator()] },
    });
    const first = await taxii<{ next?: string }>(node, "GET", `${collection}/objects/?limit=1`, {
      auth: analyst.basic,
    });
    expect(first.body.next).toBeDefined();
    const replayed = await taxii(
      node,
      "GET",
      `${collection}/objects/?limit=1&match[type]=indicator&next=${first.body.next}`,
      {
        auth: analyst.basic,
      },
    );
    expect(replayed.status).toBe(400);
  });
});

describe("bad POSTs store nothing", () => {
  it("415 for a body that is not taxii+json", async () => {
    const before = await stored();
    for (const contentType of [
      "application/json",
      "application/stix+json;version=2.1",
      "application/taxii+json;version=2.0",
      "text/plain",
    ]) {
      const answer = await taxii<{ error_code: string }>(node, "POST", `${collection}/objects/`, {
        auth: analyst.basic,
        body: { objects: [indicator()] },
        contentType,
      });
      expect(answer.status, contentType).toBe(415);
      expect(answer.body.error_code).toBe("LIAISON_TAXII_UNSUPPORTED_MEDIA_TYPE");
    }
    expect(await stored()).toBe(before);
  });

  it("422 for a body that is not JSON or not an envelope", async () => {
    const before = await stored();
    for (const rawBody of ["{not json", "[]", '{"objects": {}}', '"objects"', "{}"]) {
      const answer = await taxii(node, "POST", `${collection}/objects/`, { auth: analyst.basic, rawBody });
      expect(answer.status, rawBody).toBe(422);
    }
    expect(await stored()).toBe(before);
  });

  it("413 for a body over max_content_length", async () => {
    const root = await taxii<{ max_content_length: number }>(node, "GET", "/taxii2/in/", { auth: analyst.basic });
    const before = await stored();
    const big = JSON.stringify({ objects: [indicator({ description: "x".repeat(root.body.max_content_length) })] });
    const answer = await taxii(node, "POST", `${collection}/objects/`, { auth: analyst.basic, rawBody: big });
    expect(answer.status).toBe(413);
    expect(await stored()).toBe(before);
  });

  it("invalid objects are failures in the status, stored not at all, and the valid ones beside them are stored", async () => {
    const before = await stored();
    const good = indicator();
    const invalid = [
      indicator({ pattern: "[ipv4-addr:value = '1.2.3.4'" }), // unclosed observation
      indicator({ pattern: "[ipv4-addr:value MATCHES '(']" }), // a regular expression that does not compile
      indicator({ modified: "2025-01-01T00:00:00.000Z" }), // modified before created
      indicator({ valid_from: "not a time" }),
      indicator({ spec_version: "2.0" }),
      indicator({ id: "malware--7b5b6c4e-6f1f-4b53-9a3d-4c2a1b0e9f8d" }), // the id names another type
      {
        type: "malware",
        spec_version: "2.1",
        id: "malware--7b5b6c4e-6f1f-4b53-9a3d-4c2a1b0e9f8e",
        created: "2026-01-01T00:00:00.000Z",
        modified: "2026-01-01T00:00:00.000Z",
        is_family: true,
      },
      { type: "ipv4-addr", id: "ipv4-addr--4a4b0b43-2b9c-5d0a-8c1d-1f2e3d4c5b6a" }, // no value
      "not an object",
    ];
    const answer = await taxii<{ success_count: number; failure_count: number; failures: { message: string }[] }>(
      node,
      "POST",
      `${collection}/objects/`,
      { auth: analyst.basic, body: { objects: [good, ...invalid] } },
    );
    expect(answer.status).toBe(202);
    expect(answer.body.success_count).toBe(1);
    expect(answer.body.failure_count).toBe(invalid.length);
    expect(await stored()).toBe(before + 1);
  });

  it("a POST by a reader who may not write is refused and stores nothing", async () => {
    const reader = await taxiiUser(node, "liaison-officer", "in-certin");
    const before = await stored();
    const answer = await taxii<{ error_code: string }>(node, "POST", `${collection}/objects/`, {
      auth: reader.basic,
      body: { objects: [indicator()] },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error_code).toBe("LIAISON_POLICY_DENIED");
    expect(await stored()).toBe(before);
  });
});
