import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCollection, insertObjects } from "../../src/modules/cyber/cyber.repository.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { collectionOf, indicator, MARKINGS, type TaxiiUser, taxii, taxiiUser } from "./helpers.ts";

/** TLP per object over TAXII: TLP:RED only to its named recipients, AMBER+STRICT only inside the agency holding it. */
let node: TestNode;
let poster: TaxiiUser;
let named: TaxiiUser;
let colleague: TaxiiUser;
let outsider: TaxiiUser;
let collection: string;
const red = indicator({ object_marking_refs: [MARKINGS.red] });
const green = indicator();

const ids = async (user: TaxiiUser, url: string) =>
  ((await taxii<{ objects?: { id: string }[] }>(node, "GET", url, { auth: user.basic })).body.objects ?? []).map(
    (o) => o.id,
  );

beforeAll(async () => {
  node = await startTestNode({ party: "IN", listen: false });
  poster = await taxiiUser(node, "analyst", "in-certin");
  named = await taxiiUser(node, "analyst", "in-certin");
  colleague = await taxiiUser(node, "analyst", "in-certin");
  outsider = await taxiiUser(node, "analyst", "in-ncb");
  collection = await collectionOf(node, poster, "in-certin");
  const posted = await taxii<{ success_count: number }>(node, "POST", `${collection}/objects/`, {
    auth: poster.basic,
    body: { objects: [{ ...red, x_liaison_recipients: [named.username] }, green] },
  });
  expect(posted.body.success_count).toBe(2);
}, 120_000);

afterAll(async () => {
  await node?.close();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

describe("TLP:RED", () => {
  it("is served to the poster and the named recipient", async () => {
    expect(await ids(poster, `${collection}/objects/`)).toEqual(expect.arrayContaining([red.id, green.id]));
    expect(await ids(named, `${collection}/objects/${red.id}/`)).toEqual([red.id]);
  });

  it("is invisible to a colleague of the same agency who is not named: listing, manifest, object, versions", async () => {
    expect(await ids(colleague, `${collection}/objects/`)).toEqual([green.id]);
    expect(await ids(colleague, `${collection}/manifest/`)).toEqual([green.id]);
    expect(await ids(colleague, `${collection}/objects/?match[id]=${red.id}`)).toEqual([]);
    for (const url of [`${collection}/objects/${red.id}/`, `${collection}/objects/${red.id}/versions/`]) {
      const answer = await taxii<{ error_code: string }>(node, "GET", url, { auth: colleague.basic });
      expect(answer.status).toBe(404);
      expect(answer.body.error_code).toBe("LIAISON_TAXII_OBJECT_NOT_FOUND");
    }
    const deleted = await taxii(node, "DELETE", `${collection}/objects/${red.id}/`, { auth: colleague.basic });
    expect(deleted.status).toBe(404);
    expect(await ids(named, `${collection}/objects/${red.id}/`)).toEqual([red.id]);
  });

  it("cannot be reached by replaying the recipient's next token", async () => {
    const page = await taxii<{ next?: string }>(node, "GET", `${collection}/objects/?limit=1`, { auth: named.basic });
    expect(page.body.next).toBeDefined();
    const replayed = await taxii(node, "GET", `${collection}/objects/?limit=1&next=${page.body.next}`, {
      auth: colleague.basic,
    });
    expect(replayed.status).toBe(400);
  });
});

describe("a collection of another agency", () => {
  it("does not exist for an outsider, whatever the URL", async () => {
    const list = await taxii<{ collections?: { alias?: string }[] }>(node, "GET", "/taxii2/in/collections/", {
      auth: outsider.basic,
    });
    expect((list.body.collections ?? []).map((c) => c.alias)).not.toContain("in-certin");
    for (const url of [
      `${collection}/`,
      `${collection}/objects/`,
      `${collection}/manifest/`,
      `${collection}/objects/${green.id}/`,
    ]) {
      const answer = await taxii<{ error_code: string }>(node, "GET", url, { auth: outsider.basic });
      expect(answer.status, url).toBe(404);
      expect(answer.body.error_code).toBe("LIAISON_TAXII_COLLECTION_NOT_FOUND");
    }
    const post = await taxii(node, "POST", `${collection}/objects/`, {
      auth: outsider.basic,
      body: { objects: [indicator()] },
    });
    expect(post.status).toBe(404);
  });
});

describe("TLP:AMBER+STRICT", () => {
  it("in a collection every agency reads, is served only inside the agency holding it", async () => {
    const shared = "5d1a9d7e-4f0b-4c7a-9b8e-0a1b2c3d4e5f";
    await ensureCollection(
      node.deps.database.db,
      { id: shared, title: "Shared", description: null, alias: null, agency: null, default_tlp: "TLP:AMBER" },
      new Date(),
    );
    const strict = indicator({ object_marking_refs: [MARKINGS.amberStrict] });
    const open = indicator();
    const row = (object: ReturnType<typeof indicator>, tlp: string, at: string) => ({
      collection_id: shared,
      stix_id: object.id,
      version_us: "1",
      version: object.modified,
      date_added_us: at,
      type: "indicator",
      spec_version: "2.1",
      object,
      tlp,
      recipients: [],
      agency: "in-certin",
      unresolved_refs: [],
      is_first: true,
      is_latest: true,
      added_by: poster.id,
    });
    await insertObjects(node.deps.database.db, [row(strict, "TLP:AMBER+STRICT", "10"), row(open, "TLP:GREEN", "11")]);
    const url = `/taxii2/in/collections/${shared}/objects/`;
    expect(await ids(colleague, url)).toEqual([strict.id, open.id]);
    expect(await ids(outsider, url)).toEqual([open.id]);
    expect((await taxii(node, "GET", `${url}${strict.id}/`, { auth: outsider.basic })).status).toBe(404);
  });
});
