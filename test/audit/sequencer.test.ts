import { rmSync } from "node:fs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents, readLogHead } from "../../src/modules/audit/audit.repository.ts";
import { AuditSequencer } from "../../src/modules/audit/audit.sequencer.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

describe("audit sequencing: group commit for the log", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", listen: false });
  });
  afterAll(async () => {
    await node.close();
    rmSync(node.dataDir, { recursive: true, force: true });
  });

  const change = (subject: string) =>
    node.deps.changes.run(async (c) => {
      c.audit({ actor: "tester", action: "test.gather", subject, outcome: "success" });
    });

  it("a reader sees a change's record at once, without waiting for the gathering drain", async () => {
    await change("right-away");
    const found = await node.deps.audit.events({ action: "test.gather", subject: "right-away", limit: 10 });
    expect(found.items.map((e) => e.subject)).toEqual(["right-away"]);
  });

  it("gathers records committed within the gathering delay into one drain; each becomes one leaf", async () => {
    await node.deps.audit.sequenceQueued();
    const db = node.deps.database.db;
    const before = (await readLogHead(db)).treeSize;
    const drained: number[] = [];
    // A sequencer of its own, with a delay long enough for a busy machine to commit 30 small transactions.
    const sequencer = new AuditSequencer(db, pino({ level: "silent" }), {
      gatherMs: 300,
      observeDrain: (seconds) => drained.push(seconds),
    });
    for (let i = 0; i < 30; i++) {
      await db
        .transaction()
        .execute((tx) =>
          appendAuditEvents(tx, "IN", new Date(), [
            { actor: "tester", action: "test.gather", subject: `burst-${i}`, outcome: "success" },
          ]),
        );
      sequencer.schedule(); // as the ChangeRunner does after each commit
    }
    // Nobody reads: the scheduled drain alone makes them leaves.
    const sequenced = async () => drained.length > 0 && (await readLogHead(db)).treeSize === before + 30;
    await expect.poll(sequenced, { timeout: 5000 }).toBe(true);
    expect(drained.length).toBeLessThanOrEqual(2); // one drain per commit would be 30
    const found = await node.deps.audit.events({ action: "test.gather", limit: 100 });
    expect(new Set(found.items.map((e) => e.subject)).size).toBe(31);
    await sequencer.close();
  });
});
