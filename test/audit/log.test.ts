import { compactVerify, importJWK } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leafHash, MerkleFrontier, verifyConsistency, verifyInclusion } from "../../src/core/merkle.ts";
import { readLogHead } from "../../src/modules/audit/audit.repository.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

const b64 = (text: string) => Buffer.from(text, "base64");
type Head = { signed: string; treeSize: number; rootHash: string; witnesses: unknown[] };
type Leaves = { items: { index: number; data: string; leafHash: string; event: Record<string, unknown> }[] };

async function record(node: TestNode, action: string, count: number, subject = `s-${Math.random()}`) {
  for (let i = 0; i < count; i++) {
    await node.deps.changes.run(async (change) => {
      change.audit({ actor: "tester", action, subject, outcome: "success", details: { i } });
    });
  }
  return subject;
}

describe("audit Merkle log on one node", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", listen: false });
  });
  afterAll(async () => node?.close());

  it("appends dense leaves whose bytes hash to a root signed in the tree head", async () => {
    await record(node, "test.append", 37);
    const head = await node.api<Head>("GET", "/api/v1/audit/tree-head");
    expect(head.status).toBe(200);
    const [protectedHeader] = head.body.signed.split(".");
    expect(JSON.parse(Buffer.from(protectedHeader as string, "base64url").toString())).toMatchObject({
      alg: "EdDSA",
      typ: "liaison-tree-head+jws",
    });
    const key = await importJWK(node.deps.keys.signing.publicJwk, "EdDSA");
    const signed = JSON.parse(new TextDecoder().decode((await compactVerify(head.body.signed, key)).payload));
    expect(signed).toEqual({
      treeSize: head.body.treeSize,
      rootHash: head.body.rootHash,
      timestamp: expect.any(String),
    });

    const frontier = new MerkleFrontier();
    for (let start = 0; start < signed.treeSize; start += 1000) {
      const page = await node.api<Leaves>("GET", `/api/v1/audit/leaves?start=${start}&end=${start + 999}`);
      for (const item of page.body.items) {
        expect(item.index).toBe(frontier.size);
        const data = b64(item.data);
        expect(JSON.parse(data.toString()).index).toBe(item.index);
        expect(Buffer.from(leafHash(data)).toString("base64")).toBe(item.leafHash);
        frontier.push(leafHash(data));
      }
    }
    expect(frontier.size).toBe(signed.treeSize);
    expect(Buffer.from(frontier.root()).toString("base64")).toBe(signed.rootHash);
  });

  it("serves inclusion and consistency proofs that verify against signed heads", async () => {
    const first = (await node.api<Head>("GET", "/api/v1/audit/tree-head")).body;
    await record(node, "test.more", 11);
    const second = (await node.api<Head>("GET", "/api/v1/audit/tree-head")).body;
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    for (const index of [0, 1, first.treeSize - 1, second.treeSize - 1]) {
      const proof = await node.api<{ leafHash: string; path: string[]; treeSize: number }>(
        "GET",
        `/api/v1/audit/proof/inclusion?index=${index}&treeSize=${second.treeSize}`,
      );
      expect(proof.status).toBe(200);
      const ok = verifyInclusion(
        b64(proof.body.leafHash),
        index,
        second.treeSize,
        proof.body.path.map(b64),
        b64(second.rootHash),
      );
      expect(ok).toBe(true);
      expect(
        verifyInclusion(
          leafHash(Buffer.from("x")),
          index,
          second.treeSize,
          proof.body.path.map(b64),
          b64(second.rootHash),
        ),
      ).toBe(false);
    }
    const consistency = await node.api<{ path: string[] }>(
      "GET",
      `/api/v1/audit/proof/consistency?from=${first.treeSize}&to=${second.treeSize}`,
    );
    expect(consistency.status).toBe(200);
    expect(
      verifyConsistency(
        first.treeSize,
        second.treeSize,
        b64(first.rootHash),
        b64(second.rootHash),
        consistency.body.path.map(b64),
      ),
    ).toBe(true);
  });

  it("filters events by actor, action and subject", async () => {
    const subject = await record(node, "test.filter", 3);
    const found = await node.api<{ items: { action: string; subject: string; index: number }[] }>(
      "GET",
      `/api/v1/audit/events?action=test.filter&subject=${encodeURIComponent(subject)}&actor=tester`,
    );
    expect(found.status).toBe(200);
    expect(found.body.items).toHaveLength(3);
    expect(found.body.items.every((e) => e.subject === subject && e.action === "test.filter")).toBe(true);
    expect(found.body.items[0]?.index).toBeGreaterThan(found.body.items[2]?.index as number);
  });

  it("refuses impossible proof requests with a documented code and changes nothing", async () => {
    const before = (await node.api<Head>("GET", "/api/v1/audit/tree-head")).body.treeSize;
    for (const url of [
      `/api/v1/audit/proof/inclusion?index=${before}&treeSize=${before}`,
      `/api/v1/audit/proof/inclusion?index=0&treeSize=${before + 100}`,
      `/api/v1/audit/proof/consistency?from=${before + 1}&to=${before}`,
      "/api/v1/audit/leaves?start=5&end=2",
    ]) {
      const bad = await node.api<{ code: string }>("GET", url);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe("LIAISON_AUDIT_PROOF_RANGE");
    }
    const invalid = await node.api<{ code: string }>("GET", "/api/v1/audit/proof/inclusion?index=-1");
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe("LIAISON_REQUEST_INVALID");
    expect((await node.api<Head>("GET", "/api/v1/audit/tree-head")).body.treeSize).toBe(before);
  });

  it("lets auditors read and refuses other roles", async () => {
    const auditor = await node.deps.identity.issueToken(`auditor-${Math.random()}`, "auditor", "test");
    expect((await node.api("GET", "/api/v1/audit/tree-head", undefined, auditor)).status).toBe(200);
    const officer = await node.deps.identity.issueToken(`officer-${Math.random()}`, "liaison-officer", "test");
    const refused = await node.api<{ code: string }>("GET", "/api/v1/audit/leaves?start=0&end=1", undefined, officer);
    expect(refused.status).toBe(403);
    const anonymous = await node.app.inject({ method: "GET", url: "/api/v1/audit/tree-head" });
    expect(anonymous.statusCode).toBe(401);
  });

  it("keeps leaf indices dense and in commit order when changes commit concurrently", async () => {
    await node.deps.audit.sequenceQueued();
    const { treeSize: before } = await readLogHead(node.deps.database.db);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        node.deps.changes.run(async (change) => {
          change.audit({ actor: "tester", action: "test.concurrent", subject: `c${i}`, outcome: "success" });
          change.audit({ actor: "tester", action: "test.concurrent", subject: `c${i}b`, outcome: "success" });
        }),
      ),
    );
    await node.deps.audit.sequenceQueued(); // changes do not wait for the log; readers catch it up
    const { treeSize: after } = await readLogHead(node.deps.database.db);
    expect(after - before).toBe(40);
    const rows = await node.deps.database.db
      .selectFrom("audit_leaves")
      .select(["index", "subject"])
      .where("index", ">=", before)
      .orderBy("index")
      .execute();
    expect(rows.map((r) => Number(r.index))).toEqual(Array.from({ length: 40 }, (_, i) => before + i));
    // The two events of one change are adjacent: a change's leaves are appended under one lock.
    for (let i = 0; i < 40; i += 2) expect(`${rows[i]?.subject}b`).toBe(rows[i + 1]?.subject);
  });

  it("imports rows of the pre-Merkle audit_events table once, oldest first", async () => {
    const at = new Date("2026-11-01T00:00:00Z");
    const legacy = (action: string) => ({
      at,
      party: "IN",
      actor: "old-admin",
      action,
      subject: null,
      outcome: "success",
      request_id: null,
      event: JSON.stringify({ actor: "old-admin", action, outcome: "success" }),
    });
    await node.deps.database.db
      .insertInto("audit_events")
      .values([legacy("legacy.first"), legacy("legacy.second")])
      .execute();
    expect(await node.deps.audit.importLegacy()).toBe(2);
    expect(await node.deps.audit.importLegacy()).toBe(0);
    const found = await node.api<{ items: { action: string; at: string; details: { legacyIndex: number } }[] }>(
      "GET",
      "/api/v1/audit/events?actor=old-admin",
    );
    expect(found.body.items.map((e) => e.action)).toEqual(["legacy.second", "legacy.first"]);
    expect(found.body.items[0]?.at).toBe(at.toISOString());
    expect(found.body.items[0]?.details.legacyIndex).toBeGreaterThan(
      found.body.items[1]?.details.legacyIndex as number,
    );
  });

  it("refuses UPDATE, DELETE and TRUNCATE on the log tables", async () => {
    const db = node.deps.database.db;
    for (const statement of [
      "UPDATE audit_leaves SET actor = 'x' WHERE index = 0",
      "DELETE FROM audit_leaves WHERE index = 0",
      "TRUNCATE audit_leaves",
      "DELETE FROM audit_nodes WHERE level = 0 AND index = 0",
      "UPDATE audit_tree_heads SET signed = 'x'",
      "DELETE FROM audit_log_head",
    ]) {
      await expect(sql.raw(statement).execute(db), statement).rejects.toThrow(/LIAISON_AUDIT_APPEND_ONLY/);
    }
  });
});
