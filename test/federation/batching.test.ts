import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { sendNotice } from "../support/notices.ts";

/** Batches the receiver stored (its liaison_inbox_stage_seconds{stage="store"} count). */
async function storedBatches(node: Awaited<ReturnType<typeof startTwoNodes>>["canada"]): Promise<number> {
  const metric = await node.deps.metrics.inboxStage.get();
  return (
    metric.values.find((v) => v.metricName === "liaison_inbox_stage_seconds_count" && v.labels.stage === "store")
      ?.value ?? 0
  );
}

describe("delivery batching", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    // A linger long enough that, even on a busy machine, the 40 commits below land within one lane's wait; and
    // more lanes than needed, so waking every lane on every commit would show. The receiver verifies two
    // envelopes at a time, so a batch waits for its turn in the inbox's bound and must still arrive whole.
    nodes = await startTwoNodes({
      config: { federation: { lingerMs: 250, concurrency: 8, inboxVerifyConcurrency: 2 } },
    });
  });
  afterAll(async () => nodes.close());

  it("notices committed together leave in shared batches, each delivered exactly once", async () => {
    const before = await storedBatches(nodes.canada);
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => sendNotice(nodes.india, `batch ${i}`)));
    expect(sent.every((r) => r.status === 201)).toBe(true);
    const received = await eventually(async () => {
      const r = await nodes.canada.api<{ items: { text: string }[] }>("GET", "/api/v1/notices?direction=inbound");
      const ours = r.body.items.filter((n) => n.text.startsWith("batch "));
      return ours.length >= 40 ? ours : undefined;
    }, 30_000);
    expect(new Set(received.map((n) => n.text)).size).toBe(40);
    expect(received).toHaveLength(40);
    // Measured here: 1 batch (PGlite), 1-2 (PostgreSQL); 7-9 when every commit woke every lane with no linger,
    // up to 40 when each notice travels alone.
    // The store stage is timed after its transaction commits, so the notices can be readable a moment before the
    // batch is counted: wait for the count.
    const batches = await eventually(async () => {
      const stored = (await storedBatches(nodes.canada)) - before;
      return stored >= 1 ? stored : undefined;
    }, 5_000);
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(4);
  });
});
