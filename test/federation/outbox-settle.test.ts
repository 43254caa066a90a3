import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimOutboxBatch, settleOutbox } from "../../src/modules/federation/outbox.repository.ts";
import { startTwoNodes } from "../support/nodes.ts";

/** Two lanes can hold the same row when a lease runs out; the slower one must not undo the faster one's work. */
describe("settling the outbox", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    nodes = await startTwoNodes({ config: { deliveryWorker: false } });
  }, 180_000);
  afterAll(async () => nodes?.close());

  it("settles only pending rows, in one statement for the batch, and records every attempt", async () => {
    const { db } = nodes.india.deps.database;
    const ids: string[] = [];
    for (const text of ["a", "b", "c"]) {
      ids.push(
        (await nodes.india.api<{ envelopeId: string }>("POST", "/api/v1/notices", { to: "CA", text })).body.envelopeId,
      );
    }
    const [a, b, c] = ids as [string, string, string];
    const now = new Date();
    const claimed = await claimOutboxBatch(db, now, 10, 30);
    expect(claimed.map((r) => r.envelope_id).sort()).toEqual(expect.arrayContaining([a, b, c].sort()));

    const first = await db.transaction().execute((tx) =>
      settleOutbox(tx, now, [
        { envelopeId: a, outcome: "delivered", receipt: "receipt-a", durationMs: 5 },
        {
          envelopeId: b,
          outcome: "retry",
          errorCode: "X",
          error: "later",
          nextAttemptAt: new Date(now.getTime() + 9000),
          durationMs: 5,
        },
        { envelopeId: c, outcome: "dead", errorCode: "Y", error: "final", durationMs: 5 },
      ]),
    );
    expect([...first].sort()).toEqual([a, b].concat(c).sort());

    // A late lane reports a failure for the row another lane delivered: ignored.
    const late = await db
      .transaction()
      .execute((tx) =>
        settleOutbox(tx, now, [
          { envelopeId: a, outcome: "retry", errorCode: "Z", error: "stale lane", durationMs: 5 },
        ]),
      );
    expect(late.size).toBe(0);

    const rows = await db.selectFrom("outbox").selectAll().where("envelope_id", "in", [a, b, c]).execute();
    const byId = new Map(rows.map((r) => [r.envelope_id, r]));
    expect(byId.get(a)).toMatchObject({
      status: "delivered",
      receipt: "receipt-a",
      last_error_code: null,
      lease_until: null,
    });
    expect(byId.get(b)).toMatchObject({ status: "pending", receipt: null, last_error_code: "X", lease_until: null });
    expect(byId.get(b)?.next_attempt_at.getTime()).toBe(now.getTime() + 9000);
    expect(byId.get(c)).toMatchObject({ status: "dead", last_error_code: "Y" });
    expect(byId.get(c)?.dead_at).not.toBeNull();

    const attempts = await db
      .selectFrom("delivery_attempts")
      .select(["envelope_id", "outcome"])
      .where("envelope_id", "=", a)
      .execute();
    expect(attempts.map((x) => x.outcome)).toEqual(["delivered", "retry"]);
  });
});
