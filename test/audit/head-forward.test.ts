import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLogHead } from "../../src/modules/audit/audit.repository.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/** The one-row head of the log only moves forward: a trigger, the same SQL on PGlite and PostgreSQL. */
describe("audit_log_head only moves forward", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", listen: false });
    await node.deps.changes.run(async (change) => {
      for (let i = 0; i < 5; i++)
        change.audit({ actor: "tester", action: "test.head", subject: `h${i}`, outcome: "ok" });
    });
    await node.deps.audit.sequenceQueued();
  }, 600_000);
  afterAll(async () => node?.close());

  it("refuses a smaller size, another root for the same size, and a delete, and changes nothing", async () => {
    const { db } = node.deps.database;
    const before = await readLogHead(db);
    expect(before.treeSize).toBeGreaterThanOrEqual(5);
    await expect(sql`UPDATE audit_log_head SET tree_size = tree_size - 1`.execute(db)).rejects.toThrow(
      /LIAISON_AUDIT_HEAD_BACKWARDS/,
    );
    await expect(sql`UPDATE audit_log_head SET tree_size = 0, frontier = ''::bytea`.execute(db)).rejects.toThrow(
      /LIAISON_AUDIT_HEAD_BACKWARDS/,
    );
    const forged = Buffer.alloc(32, 7).toString("hex");
    await expect(sql.raw(`UPDATE audit_log_head SET frontier = '\\x${forged}'::bytea`).execute(db)).rejects.toThrow(
      /LIAISON_AUDIT_HEAD_BACKWARDS/,
    );
    await expect(sql`DELETE FROM audit_log_head`.execute(db)).rejects.toThrow(/LIAISON_AUDIT_APPEND_ONLY/);
    const after = await readLogHead(db);
    expect(after.treeSize).toBe(before.treeSize);
    expect(Buffer.concat(after.frontier).equals(Buffer.concat(before.frontier))).toBe(true);

    // Appends still move it forward.
    await node.deps.changes.run(async (change) => {
      change.audit({ actor: "tester", action: "test.head", subject: "more", outcome: "ok" });
    });
    await node.deps.audit.sequenceQueued();
    expect((await readLogHead(db)).treeSize).toBe(before.treeSize + 1);
  }, 600_000);
});
