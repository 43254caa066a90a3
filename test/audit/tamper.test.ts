import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiClient } from "../../src/cli/api-client.ts";
import { apiLogSource, exportLog, exportLogSource } from "../../src/cli/commands/audit.ts";
import { main } from "../../src/cli/main.ts";
import { leafHash } from "../../src/core/merkle.ts";
import { verifyLog } from "../../src/modules/audit/verify-log.ts";
import { startTestNode, type TestNode, tempDir } from "../support/nodes.ts";

const TABLES = ["audit_leaves", "audit_nodes", "audit_tree_heads", "audit_log_head"];

/** Act as a superuser would: switch the append-only triggers off, do the damage, switch them on again. */
async function asSuperuser(node: TestNode, statements: string[]) {
  await node.deps.database.db.transaction().execute(async (tx) => {
    await sql.raw("SELECT tree_size FROM audit_log_head WHERE id = 1 FOR UPDATE").execute(tx);
    for (const t of TABLES) await sql.raw(`ALTER TABLE ${t} DISABLE TRIGGER USER`).execute(tx);
    for (const s of statements) await sql.raw(s).execute(tx);
    for (const t of TABLES) await sql.raw(`ALTER TABLE ${t} ENABLE TRIGGER USER`).execute(tx);
  });
}

async function leafData(node: TestNode, index: number): Promise<Buffer> {
  const row = await node.deps.database.db
    .selectFrom("audit_leaves")
    .select("data")
    .where("index", "=", index)
    .executeTakeFirstOrThrow();
  return Buffer.from(row.data);
}

const hex = (b: Uint8Array) => `'\\x${Buffer.from(b).toString("hex")}'::bytea`;

describe("audit verify catches a tampered log", () => {
  let node: TestNode;
  let api: ApiClient;
  const verify = () => verifyLog(apiLogSource(api));
  /** The leaf index of the test's k-th event: modules may audit at start-up, so the test's leaves need not start at 0. */
  let first = 0;
  const at = (k: number) => first + k;

  beforeAll(async () => {
    node = await startTestNode({ party: "IN" });
    api = new ApiClient(node.url, node.adminToken);
    await node.deps.changes.run(async (change) => {
      for (let i = 0; i < 60; i++)
        change.audit({ actor: "tester", action: "test.tamper", subject: `t${i}`, outcome: "success" });
    });
    await node.deps.audit.currentTreeHead();
    const row = await node.deps.database.db
      .selectFrom("audit_leaves")
      .select((eb) => eb.fn.min("index").as("first"))
      .where("action", "=", "test.tamper")
      .executeTakeFirstOrThrow();
    first = Number(row.first);
  });
  afterAll(async () => {
    await node?.close();
    if (node) rmSync(node.dataDir, { recursive: true, force: true });
  });

  it("verifies the untouched log", async () => {
    const report = await verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("names a changed row", async () => {
    const original = await leafData(node, at(17));
    const changed = Buffer.from(original.toString().replace("t17", "t99"));
    await asSuperuser(node, [`UPDATE audit_leaves SET data = ${hex(changed)} WHERE index = ${at(17)}`]);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadIndex).toBe(at(17));
    await asSuperuser(node, [`UPDATE audit_leaves SET data = ${hex(original)} WHERE index = ${at(17)}`]);
    expect((await verify()).ok).toBe(true);
  });

  it("catches a row changed together with its recorded hash (the root no longer matches the signed head)", async () => {
    const original = await leafData(node, at(30));
    const changed = Buffer.from(original.toString().replace("t30", "t77"));
    const restore = await node.deps.database.db
      .selectFrom("audit_nodes")
      .select("hash")
      .where("level", "=", 0)
      .where("index", "=", at(30))
      .executeTakeFirstOrThrow();
    await asSuperuser(node, [
      `UPDATE audit_leaves SET data = ${hex(changed)} WHERE index = ${at(30)}`,
      `UPDATE audit_nodes SET hash = ${hex(leafHash(changed))} WHERE level = 0 AND index = ${at(30)}`,
    ]);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toMatch(/differs from the signed tree head/);
    // The node's own proofs name the leaf; its sibling shares the damaged proof node, hence 29 or 30.
    expect([at(29), at(30)]).toContain(report.firstBadIndex);
    await asSuperuser(node, [
      `UPDATE audit_leaves SET data = ${hex(original)} WHERE index = ${at(30)}`,
      `UPDATE audit_nodes SET hash = ${hex(restore.hash)} WHERE level = 0 AND index = ${at(30)}`,
    ]);
    expect((await verify()).ok).toBe(true);
  });

  it("names a deleted row and reordered rows", async () => {
    const original = await leafData(node, at(40));
    await asSuperuser(node, [`DELETE FROM audit_leaves WHERE index = ${at(40)}`]);
    const deleted = await verify();
    expect(deleted.firstBadIndex).toBe(at(40));
    expect(deleted.problems[0]).toMatch(/missing/);
    await asSuperuser(node, [
      `INSERT INTO audit_leaves (index, at, actor, action, subject, outcome, data) VALUES (${at(40)}, now(), 'tester', 'test.tamper', 't40', 'success', ${hex(original)})`,
      `UPDATE audit_leaves SET index = -1 WHERE index = ${at(45)}`,
      `UPDATE audit_leaves SET index = ${at(45)} WHERE index = ${at(46)}`,
      `UPDATE audit_leaves SET index = ${at(46)} WHERE index = -1`,
    ]);
    const reordered = await verify();
    expect(reordered.firstBadIndex).toBe(at(45));
    await asSuperuser(node, [
      `UPDATE audit_leaves SET index = -1 WHERE index = ${at(45)}`,
      `UPDATE audit_leaves SET index = ${at(45)} WHERE index = ${at(46)}`,
      `UPDATE audit_leaves SET index = ${at(46)} WHERE index = -1`,
    ]);
    expect((await verify()).ok).toBe(true);
  });

  it("verifies an export offline and names the first bad line of a doctored one", async () => {
    const dir = tempDir("liaison-audit-export-");
    try {
      const exported = await exportLog(api, dir);
      expect(exported.leaves).toBe(exported.treeSize);
      expect((await verifyLog(exportLogSource(dir))).ok).toBe(true);
      const lines = readFileSync(join(dir, "leaves.jsonl"), "utf8").split("\n");
      const leaf = JSON.parse(lines[at(12)] as string);
      const data = Buffer.from(leaf.data, "base64").toString().replace("t12", "tXX");
      lines[at(12)] = JSON.stringify({ ...leaf, data: Buffer.from(data).toString("base64"), leafHash: undefined });
      writeFileSync(join(dir, "leaves.jsonl"), lines.join("\n"));
      const report = await verifyLog(exportLogSource(dir));
      expect(report.ok).toBe(false);
      expect(report.problems.join("\n")).toMatch(/differs from the signed tree head/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the CLI saves the verified head and fails with the index when the history was rewritten", async () => {
    const state = join(tempDir("liaison-audit-state-"), "state.json");
    const logs: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((m) => void logs.push(String(m)));
    const err = vi.spyOn(console, "error").mockImplementation((m) => void logs.push(String(m)));
    const run = async () => {
      process.exitCode = 0;
      await main([
        "node",
        "liaison",
        "audit",
        "verify",
        "--node",
        node.url,
        "--token",
        node.adminToken,
        "--state",
        state,
      ]);
      const code = process.exitCode;
      process.exitCode = 0;
      return code;
    };
    try {
      expect(await run()).toBe(0);
      const saved = JSON.parse(readFileSync(state, "utf8"));
      expect(saved.party).toBe("IN");
      // Rewrite leaf 3 with recomputed nodes and a freshly signed head: only an earlier head can tell.
      const original = await leafData(node, at(3));
      const changed = Buffer.from(original.toString().replace("t3", "tZ"));
      await asSuperuser(node, [
        `UPDATE audit_leaves SET data = ${hex(changed)} WHERE index = ${at(3)}`,
        `UPDATE audit_nodes SET hash = ${hex(leafHash(changed))} WHERE level = 0 AND index = ${at(3)}`,
        "DELETE FROM audit_tree_heads",
      ]);
      await node.deps.changes.run(async (change) =>
        change.audit({ actor: "tester", action: "test.more", outcome: "success" }),
      );
      expect(await run()).toBe(1);
      expect(logs.join("\n")).toMatch(/FAILED at leaf [0-9]+/);
      expect(logs.join("\n")).toMatch(/the head saved by an earlier run/);
    } finally {
      log.mockRestore();
      err.mockRestore();
      rmSync(state, { force: true });
    }
  });
});
