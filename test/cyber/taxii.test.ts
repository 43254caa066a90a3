import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { collectionOf, indicator, MARKINGS, TAXII, type TaxiiUser, taxii, taxiiUser } from "./helpers.ts";

let node: TestNode;
let analyst: TaxiiUser;
let objects: string;

beforeAll(async () => {
  node = await startTestNode({ party: "IN", listen: false });
  analyst = await taxiiUser(node, "analyst", "in-certin");
  objects = `${await collectionOf(node, analyst, "in-certin")}/objects/`;
}, 120_000);

afterAll(async () => {
  await node?.close();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

describe("TAXII 2.1 discovery, API root and collections", () => {
  it("answers discovery and the API root in taxii+json 2.1", async () => {
    const discovery = await taxii<{ api_roots: string[] }>(node, "GET", "/taxii2/", { auth: analyst.basic });
    expect(discovery.status).toBe(200);
    expect(discovery.headers["content-type"]).toBe(TAXII);
    expect(discovery.body.api_roots).toEqual([`${node.url}/taxii2/in/`]);
    const root = await taxii<{ versions: string[] }>(node, "GET", "/taxii2/in/", { auth: analyst.basic });
    expect(root.status).toBe(200);
    expect(root.body.versions).toEqual([TAXII]);
  });

  it("asks for credentials, refuses a bad password, and refuses media types it cannot answer", async () => {
    const anonymous = await taxii(node, "GET", "/taxii2/");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toMatch(/^Basic/);
    const wrong = `Basic ${Buffer.from(`${analyst.username}:not-the-password`).toString("base64")}`;
    expect((await taxii(node, "GET", "/taxii2/", { auth: wrong })).status).toBe(401);
    const json = await taxii<{ error_code: string }>(node, "GET", "/taxii2/", {
      auth: analyst.basic,
      accept: "application/json",
    });
    expect(json.status).toBe(406);
    expect(json.body.error_code).toBe("LIAISON_TAXII_NOT_ACCEPTABLE");
    expect(
      (await taxii(node, "GET", "/taxii2/", { auth: analyst.basic, accept: "application/taxii+json;version=2.0" }))
        .status,
    ).toBe(406);
  });

  it("lists the collection of the analyst's agency as readable and writable", async () => {
    const list = await taxii<{
      collections: { alias: string; can_read: boolean; can_write: boolean; media_types: string[] }[];
    }>(node, "GET", "/taxii2/in/collections/", { auth: analyst.basic });
    expect(list.status).toBe(200);
    const certin = list.body.collections.find((c) => c.alias === "in-certin");
    expect(certin).toMatchObject({
      can_read: true,
      can_write: true,
      media_types: ["application/stix+json;version=2.1"],
    });
  });
});

describe("TAXII 2.1 objects", () => {
  it("stores a POST with a distinct, increasing date_added per object and serves it back", async () => {
    const batch = Array.from({ length: 5 }, () => indicator());
    const posted = await taxii<{ status: string; success_count: number; failure_count: number; id: string }>(
      node,
      "POST",
      objects,
      {
        auth: analyst.basic,
        body: { objects: batch },
      },
    );
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ status: "complete", success_count: 5, failure_count: 0 });
    const status = await taxii(node, "GET", `/taxii2/in/status/${posted.body.id}/`, { auth: analyst.basic });
    expect(status.status).toBe(200);
    const manifest = await taxii<{ objects: { id: string; date_added: string }[] }>(
      node,
      "GET",
      `${objects.replace(/objects\/$/, "manifest/")}?match[id]=${batch.map((o) => o.id).join(",")}`,
      { auth: analyst.basic },
    );
    expect(manifest.status).toBe(200);
    const added = manifest.body.objects.map((o) => o.date_added);
    expect(new Set(added).size).toBe(5);
    expect([...added].sort()).toEqual(added);
    expect(added[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const got = await taxii<{ objects: { id: string }[] }>(node, "GET", `${objects}${batch[0]?.id}/`, {
      auth: analyst.basic,
    });
    expect(got.status).toBe(200);
    expect(got.body.objects.map((o) => o.id)).toEqual([batch[0]?.id]);
    expect(got.headers["x-taxii-date-added-first"]).toBe(added[0]);
  });

  it("keeps every version; match[version] picks first, last, all or one", async () => {
    const v1 = indicator();
    const v2 = { ...v1, modified: "2026-02-01T00:00:00.000Z", name: "C2 address, confirmed" };
    await taxii(node, "POST", objects, { auth: analyst.basic, body: { objects: [v2, v1] } });
    const url = `${objects}${v1.id}/`;
    const last = await taxii<{ objects: { modified: string }[] }>(node, "GET", url, { auth: analyst.basic });
    expect(last.body.objects.map((o) => o.modified)).toEqual([v2.modified]);
    const first = await taxii<{ objects: { modified: string }[] }>(node, "GET", `${url}?match[version]=first`, {
      auth: analyst.basic,
    });
    expect(first.body.objects.map((o) => o.modified)).toEqual([v1.modified]);
    const all = await taxii<{ objects: unknown[] }>(node, "GET", `${url}?match[version]=all`, { auth: analyst.basic });
    expect(all.body.objects).toHaveLength(2);
    const versions = await taxii<{ versions: string[] }>(node, "GET", `${url}versions/`, { auth: analyst.basic });
    expect([...versions.body.versions].sort()).toEqual([v1.modified, v2.modified]);
    const deleted = await taxii(node, "DELETE", `${url}?match[version]=${v2.modified}`, { auth: analyst.basic });
    expect(deleted.status).toBe(200);
    const now = await taxii<{ objects: { modified: string }[] }>(node, "GET", url, { auth: analyst.basic });
    expect(now.body.objects.map((o) => o.modified)).toEqual([v1.modified]);
  });

  it("maps TLP 1.0 markings to TLP 2.0 and marks an unmarked object with the collection's default", async () => {
    const white = indicator({ object_marking_refs: [MARKINGS.tlp1White] });
    const unmarked = indicator({ object_marking_refs: undefined });
    await taxii(node, "POST", objects, { auth: analyst.basic, body: { objects: [white, unmarked] } });
    const got = await taxii<{ objects: { id: string; object_marking_refs: string[] }[] }>(
      node,
      "GET",
      `${objects}?match[id]=${white.id},${unmarked.id}`,
      { auth: analyst.basic },
    );
    const byId = new Map(got.body.objects.map((o) => [o.id, o.object_marking_refs]));
    expect(byId.get(white.id)).toEqual([MARKINGS.clear]);
    expect(byId.get(unmarked.id)).toEqual([MARKINGS.amber]);
  });

  it("stores an object whose references do not resolve, and it breaks no listing", async () => {
    const dangling = {
      type: "relationship",
      spec_version: "2.1",
      id: "relationship--0b6f5a2c-7f2d-4a8e-9c1b-2d3e4f5a6b7c",
      created: "2026-01-02T03:04:05.000Z",
      modified: "2026-01-02T03:04:05.000Z",
      relationship_type: "indicates",
      source_ref: "indicator--11111111-1111-4111-8111-111111111111",
      target_ref: "malware--22222222-2222-4222-8222-222222222222",
    };
    const posted = await taxii<{ success_count: number }>(node, "POST", objects, {
      auth: analyst.basic,
      body: { objects: [dangling] },
    });
    expect(posted.body.success_count).toBe(1);
    const list = await taxii<{ objects: { id: string }[] }>(node, "GET", objects, { auth: analyst.basic });
    expect(list.status).toBe(200);
    expect(list.body.objects.map((o) => o.id)).toContain(dangling.id);
  });
});
