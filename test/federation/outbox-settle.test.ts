import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { claimOutboxBatch, settleOutbox } from "../../src/modules/federation/outbox.repository.ts";
import { allMigrations } from "../../src/node/migrations.ts";
import { randomSchema, startTwoNodes, TEST_DATABASE_URL, tempDir } from "../support/nodes.ts";
import { sendNotice } from "../support/notices.ts";

const TOTALS_MIGRATION = "2026112490_federation_peer_delivery_totals";

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
      ids.push((await sendNotice(nodes.india, text)).body.envelopeId);
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

    // The peers listing: the one delivery counted once (not again for the stale lane), the retry still queued,
    // the dead letter set aside; read from running totals, not by counting the outbox.
    const peers = await nodes.india.api<{
      items: { party: string; pending: number; dead: number; delivered: number; lastDeliveredAt: string }[];
    }>("GET", "/api/v1/federation/peers");
    const canada = peers.body.items.find((p) => p.party === "CA");
    expect(canada).toMatchObject({ delivered: 1, dead: 1, lastDeliveredAt: now.toISOString() });
    expect(canada?.pending).toBeGreaterThanOrEqual(1);
    const totals = await db.selectFrom("peer_delivery_totals").selectAll().execute();
    expect(totals.map((t) => ({ peer: t.peer, delivered: Number(t.delivered) }))).toEqual([
      { peer: "CA", delivered: 1 },
    ]);
  });

  it("carries the deliveries made before the totals existed into them (the migration's backfill)", async () => {
    const dir = tempDir("liaison-totals-");
    const schema = randomSchema("tot");
    const { db, close } = await openDatabase({ url: TEST_DATABASE_URL, schema, dataDir: dir });
    try {
      const before = Object.fromEntries(Object.entries(allMigrations).filter(([name]) => name < TOTALS_MIGRATION));
      await migrateToLatest(db, before, schema);
      const row = (peer: string, status: "pending" | "delivered" | "dead", deliveredAt: string | null) => ({
        envelope_id: randomUUID(),
        peer,
        type: "notice",
        jwe: "x",
        digest: randomUUID(),
        status,
        created_at: new Date("2026-11-01T00:00:00Z"),
        queued_at: new Date("2026-11-01T00:00:00Z"),
        next_attempt_at: new Date("2026-11-01T00:00:00Z"),
        delivered_at: deliveredAt ? new Date(deliveredAt) : null,
      });
      await db
        .insertInto("outbox")
        .values([
          row("CA", "delivered", "2026-11-02T00:00:00Z"),
          row("CA", "delivered", "2026-11-03T00:00:00Z"),
          row("CA", "pending", null),
          row("US", "delivered", "2026-11-04T00:00:00Z"),
          row("US", "dead", null),
        ])
        .execute();
      expect(await migrateToLatest(db, allMigrations, schema)).toContain(TOTALS_MIGRATION);
      const totals = await db.selectFrom("peer_delivery_totals").selectAll().orderBy("peer").execute();
      expect(
        totals.map((t) => ({ peer: t.peer, delivered: Number(t.delivered), last: t.last_delivered_at?.toISOString() })),
      ).toEqual([
        { peer: "CA", delivered: 2, last: "2026-11-03T00:00:00.000Z" },
        { peer: "US", delivered: 1, last: "2026-11-04T00:00:00.000Z" },
      ]);
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
