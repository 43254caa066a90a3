import { readFileSync, rmSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login } from "../identity/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { collectionOf, MARKINGS, type TaxiiUser, taxii, taxiiUser } from "./helpers.ts";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/misp-events-collection.json", import.meta.url), "utf8"));

let node: TestNode;
let analyst: TaxiiUser;
let token: string;
let collection: string;

async function stored(): Promise<number> {
  const result = await sql<{ n: string }>`SELECT count(*)::text AS n FROM cyber_objects`.execute(node.deps.database.db);
  return Number(result.rows[0]?.n);
}

type Result = { stored: number; skipped: number; rows: { outcome: string; stixIds?: string[]; reason?: string }[] };

beforeAll(async () => {
  node = await startTestNode({ party: "IN", listen: false });
  analyst = await taxiiUser(node, "analyst", "in-certin");
  token = (await login(node, analyst.username, analyst.password)).body.token;
  collection = await collectionOf(node, analyst, "in-certin");
}, 120_000);

afterAll(async () => {
  await node?.close();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

describe("MISP import (POST /api/v1/cyber/import)", () => {
  it("maps the shared fixtures as misp-stix does: to_ids to an indicator, others to observed-data, each event to a report", async () => {
    const answer = await node.api<Result>("POST", "/api/v1/cyber/import", fixture, token);
    expect(answer.status).toBe(201);
    expect(answer.body.rows.every((r) => r.outcome === "imported")).toBe(true);
    const served = await taxii<{ objects: Record<string, unknown>[] }>(node, "GET", `${collection}/objects/`, {
      auth: analyst.basic,
    });
    const byId = new Map(served.body.objects.map((o) => [o.id as string, o]));
    const indicator = byId.get("indicator--4bb235a7-7d25-4aef-802f-2c6b45c5eceb");
    expect(indicator).toMatchObject({
      pattern: "[domain-name:value = 'circl.lu']",
      pattern_type: "stix",
      description: "Domain test attribute",
    });
    const observed = byId.get("observed-data--2972c3a2-dda3-4de7-aca1-e96cf7ce5544") as { object_refs: string[] };
    expect(observed.object_refs).toHaveLength(1);
    expect(byId.get(observed.object_refs[0] as string)).toMatchObject({ type: "autonomous-system", number: 174 });
    expect(byId.get("report--e2e6a6ea-f69b-4d93-8564-f51d67cafe51")).toMatchObject({
      name: "MISP-STIX-Converter test event with AS attribute",
      created_by_ref: "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
    });
    expect(byId.get("identity--a0c22599-9e58-4da4-96ac-7051603fa951")).toMatchObject({ name: "MISP-Project" });
    // Imported twice: nothing new is stored.
    const again = await node.api<Result>("POST", "/api/v1/cyber/import", fixture, token);
    expect(again.body.stored).toBe(0);
  });

  it("turns tlp:* tags into the TLP 2.0 markings, tlp:clear and tlp:amber+strict included, and reports what it skips", async () => {
    const event = (uuid: string, tag: string) => ({
      Event: {
        uuid,
        info: `tagged ${tag}`,
        timestamp: "1700000000",
        Orgc: { name: "CERT-In", uuid: "5f3c2b1a-0d9e-4c8b-a7f6-e5d4c3b2a190" },
        Tag: [{ name: tag }, { name: "type:OSINT" }],
        Attribute: [
          {
            uuid: crypto.randomUUID(),
            type: "ip-dst",
            category: "Network activity",
            value: "203.0.113.5",
            to_ids: true,
          },
          { uuid: crypto.randomUUID(), type: "btc", value: "1BoatSLRHtKNngkdXEeobR76b53LETtpyT" },
        ],
        Galaxy: [{ name: "Threat Actor" }],
      },
    });
    const answer = await node.api<Result>(
      "POST",
      "/api/v1/cyber/import",
      {
        response: [
          event(crypto.randomUUID(), "tlp:clear"),
          event(crypto.randomUUID(), "tlp:amber+strict"),
          event(crypto.randomUUID(), "tlp:white"),
        ],
      },
      token,
    );
    expect(answer.status).toBe(201);
    expect(answer.body.skipped).toBe(6);
    expect(answer.body.rows.filter((r) => r.outcome === "skipped").map((r) => r.reason)).toContain(
      "MISP type btc has no STIX 2.1 object here",
    );
    const reports = await taxii<{ objects: { name: string; object_marking_refs: string[]; labels: string[] }[] }>(
      node,
      "GET",
      `${collection}/objects/?match[type]=report`,
      { auth: analyst.basic },
    );
    const marking = (tag: string) => reports.body.objects.find((r) => r.name === `tagged ${tag}`)?.object_marking_refs;
    expect(marking("tlp:clear")).toEqual([MARKINGS.clear]);
    expect(marking("tlp:white")).toEqual([MARKINGS.clear]);
    expect(marking("tlp:amber+strict")).toEqual([MARKINGS.amberStrict]);
  });

  it("refuses input that is not MISP, and stores nothing", async () => {
    const before = await stored();
    for (const body of [
      {},
      [],
      { response: [{ Event: { info: "no uuid" } }] },
      { Event: { uuid: "x", info: "bad uuid", Orgc: {} } },
    ]) {
      const answer = await node.api<{ code: string }>("POST", "/api/v1/cyber/import", body, token);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    const good = fixture.response[0];
    const bad = {
      Event: {
        uuid: crypto.randomUUID(),
        info: "x",
        Orgc: { name: "y", uuid: crypto.randomUUID() },
        Attribute: [{ type: "domain" }],
      },
    };
    const mixed = await node.api<{ code: string }>("POST", "/api/v1/cyber/import", [good, bad], token);
    expect(mixed.status).toBe(400);
    expect(mixed.body.code).toBe("LIAISON_CYBER_MISP_INVALID");
    expect(await stored()).toBe(before);
  });

  it("is refused to a user who may not write the collection", async () => {
    const officer = await taxiiUser(node, "liaison-officer", "in-certin");
    const officerToken = (await login(node, officer.username, officer.password)).body.token;
    const before = await stored();
    const answer = await node.api<{ code: string }>("POST", "/api/v1/cyber/import", fixture, officerToken);
    expect(answer.status).toBe(403);
    expect(await stored()).toBe(before);
  });
});
