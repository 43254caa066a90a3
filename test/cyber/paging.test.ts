import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { collectionOf, indicator, type TaxiiUser, taxii, taxiiUser } from "./helpers.ts";

/**
 * Objects stored in the same instant (a frozen clock: every POST in the same millisecond) still each get their own
 * date_added, so a client paging by `next`, or by `added_after` from X-TAXII-Date-Added-Last, loses none and sees
 * none twice (OpenCTI #4537, #5681).
 */
let node: TestNode;
let analyst: TaxiiUser;
let objects: string;
const posted: string[] = [];

beforeAll(async () => {
  const frozen = new Date("2026-12-02T12:00:00.000Z");
  node = await startTestNode({ party: "IN", listen: false, clock: { now: () => new Date(frozen) } });
  analyst = await taxiiUser(node, "analyst", "in-certin");
  objects = `${await collectionOf(node, analyst, "in-certin")}/objects/`;
  for (const size of [7, 5, 1]) {
    const batch = Array.from({ length: size }, () => indicator());
    await taxii(node, "POST", objects, { auth: analyst.basic, body: { objects: batch } });
    posted.push(...batch.map((o) => o.id));
  }
}, 120_000);

afterAll(async () => {
  await node?.close();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

describe("paging across equal timestamps", () => {
  it("by next", async () => {
    const seen: string[] = [];
    let next: string | undefined;
    for (let page = 0; page < 20; page++) {
      const answer = await taxii<{ more: boolean; next?: string; objects?: { id: string }[] }>(
        node,
        "GET",
        `${objects}?limit=2${next ? `&next=${next}` : ""}`,
        { auth: analyst.basic },
      );
      expect(answer.status).toBe(200);
      seen.push(...(answer.body.objects ?? []).map((o) => o.id));
      if (!answer.body.more) break;
      next = answer.body.next;
    }
    expect(seen).toEqual(posted);
  });

  it("by added_after from the last page's X-TAXII-Date-Added-Last", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 20; page++) {
      const answer = await taxii<{ more: boolean; objects?: { id: string }[] }>(
        node,
        "GET",
        `${objects}?limit=3${after ? `&added_after=${after}` : ""}`,
        { auth: analyst.basic },
      );
      seen.push(...(answer.body.objects ?? []).map((o) => o.id));
      if (!answer.body.more) break;
      after = answer.headers["x-taxii-date-added-last"] as string;
    }
    expect(seen).toEqual(posted);
    const manifest = await taxii<{ objects: { date_added: string }[] }>(
      node,
      "GET",
      objects.replace(/objects\/$/, "manifest/"),
      {
        auth: analyst.basic,
      },
    );
    const added = manifest.body.objects.map((o) => o.date_added);
    expect(new Set(added).size).toBe(posted.length);
    expect(added.every((a) => a.startsWith("2026-12-02T12:00:00.0"))).toBe(true);
  });
});
