import { rmSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../src/modules/audit/audit.repository.ts";
import { randomSchema, startTestNode, type TestNode, tempDir } from "../support/nodes.ts";

/** Records wait in audit_queue between the change's commit and the sequencer; they must not be lost or altered. */
describe("audit queue", () => {
  const dataDir = tempDir();
  const schema = randomSchema();
  let node: TestNode | undefined;
  afterAll(async () => {
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const leavesWith = async (n: TestNode, subject: string) =>
    (
      await n.deps.database.db
        .selectFrom("audit_leaves")
        .select(["index", "queue_id"])
        .where("subject", "=", subject)
        .execute()
    ).length;

  it("a queued record cannot be changed or dropped; sequencing makes it a leaf and only then takes it off", async () => {
    node = await startTestNode({ party: "IN", listen: false, dataDir, schema });
    const { db } = node.deps.database;
    const subject = `queued-${Math.random()}`;
    await db
      .transaction()
      .execute((tx) =>
        appendAuditEvents(tx, "IN", new Date(), [
          { actor: "tester", action: "test.queued", subject, outcome: "success" },
        ]),
      );
    const queued = await db.selectFrom("audit_queue").select("id").execute();
    expect(queued.length).toBeGreaterThanOrEqual(1);
    await expect(sql`UPDATE audit_queue SET party = 'CA'`.execute(db)).rejects.toThrow(/LIAISON_AUDIT_APPEND_ONLY/);
    await expect(sql`DELETE FROM audit_queue`.execute(db)).rejects.toThrow(/LIAISON_AUDIT_APPEND_ONLY/);
    expect(await leavesWith(node, subject)).toBe(0);

    const before = await node.api<{ treeSize: number }>("GET", "/api/v1/audit/tree-head");
    expect(await leavesWith(node, subject)).toBe(1); // the on-demand head sequences what is queued first
    expect(before.body.treeSize).toBeGreaterThan(0);
    expect(await db.selectFrom("audit_queue").select("id").execute()).toEqual([]);
  });

  it("records queued by a process that stopped before sequencing become leaves at the next start", async () => {
    const subject = `crash-${Math.random()}`;
    await node?.deps.database.db
      .transaction()
      .execute((tx) =>
        appendAuditEvents(tx, "IN", new Date(), [
          { actor: "tester", action: "test.crash", subject, outcome: "success" },
        ]),
      );
    await node?.close();
    node = await startTestNode({ party: "IN", listen: false, dataDir, schema });
    expect(await leavesWith(node, subject)).toBe(1);
    const { treeSize } = (await node.api<{ treeSize: number }>("GET", "/api/v1/audit/tree-head")).body;
    const leaves = await node.api<{ items: { index: number }[] }>(
      "GET",
      `/api/v1/audit/leaves?start=0&end=${treeSize}`,
    );
    expect(leaves.body.items.map((l) => l.index)).toEqual(Array.from({ length: treeSize }, (_, i) => i));
  });
});
