import { rmSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { ChangeRunner } from "../../src/db/changes.ts";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.ts";
import { randomSchema, TEST_DATABASE_URL, tempDir } from "../support/nodes.ts";
import { seedEmbeddedDatabase } from "../support/pglite-template.ts";

// A change is refused unless it records something; the one exception, a delivery batch of retries only, is
// named at the call ("bookkeeping") and still commits through the runner.
describe("the change runner", () => {
  let handle: DatabaseHandle;
  let dir: string;
  const written: { audits: number; outbox: number; woken: number; queued: number } = {
    audits: 0,
    outbox: 0,
    woken: 0,
    queued: 0,
  };
  let changes: ChangeRunner;

  beforeAll(async () => {
    dir = tempDir("liaison-changes-");
    if (!TEST_DATABASE_URL) seedEmbeddedDatabase(dir);
    handle = await openDatabase({ url: TEST_DATABASE_URL, schema: randomSchema("chg"), dataDir: dir });
    await sql`CREATE TABLE items (id int PRIMARY KEY)`.execute(handle.db);
    changes = new ChangeRunner(handle.db, new ManualClock(new Date("2026-12-01T00:00:00Z")), {
      appendAudit: async (_tx, _at, events) => {
        written.audits += events.length;
      },
      appendOutbox: async (_tx, _at, envelopes) => {
        written.outbox += envelopes.length;
      },
      onOutboxCommitted: () => void written.woken++,
      onAuditQueued: () => void written.queued++,
    });
  }, 120_000);
  afterAll(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async () =>
    Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM items`.execute(handle.db)).rows[0]?.n);

  it("refuses a change that records nothing, and commits none of it", async () => {
    await expect(
      changes.run(async (change) => {
        await sql`INSERT INTO items VALUES (1)`.execute(change.tx);
      }),
    ).rejects.toMatchObject({ code: "LIAISON_INTERNAL_UNAUDITED_CHANGE" });
    expect(await count()).toBe(0);
  });

  it("commits a bookkeeping change without a record, through the same runner", async () => {
    const before = { ...written };
    await changes.run(
      async (change) => {
        await sql`INSERT INTO items VALUES (2)`.execute(change.tx);
      },
      { recordsNothing: "bookkeeping" },
    );
    expect(await count()).toBe(1);
    expect(written.audits).toBe(before.audits);
    expect(written.woken).toBe(before.woken); // nothing was sent
  });

  it("writes the records and the envelopes of an audited change, and wakes delivery after commit", async () => {
    const before = { ...written };
    await changes.run(async (change) => {
      await sql`INSERT INTO items VALUES (3)`.execute(change.tx);
      change.audit({ actor: "node:IN", action: "test.change", outcome: "success" });
      change.send({ envelopeId: "e", peer: "CA", type: "t.x", jwe: "j", digest: "d", createdAt: change.at });
    });
    expect(written.audits - before.audits).toBe(1);
    expect(written.outbox - before.outbox).toBe(1);
    expect(written.woken - before.woken).toBe(1);
    expect(written.queued - before.queued).toBe(1);
  });
});
