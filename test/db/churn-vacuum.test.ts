import { rmSync } from "node:fs";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { CHURNING_TABLES, ChurnVacuum, serverAutovacuumOff } from "../../src/db/churn-vacuum.ts";
import { openDatabase } from "../../src/db/database.ts";
import { eventually, startTestNode, tempDir } from "../support/nodes.ts";
import { seedEmbeddedDatabase } from "../support/pglite-template.ts";

const logger = pino({ level: "silent" });

interface TableState {
  last_vacuum: Date | null;
  last_analyze: Date | null;
  reltuples: number;
}

async function tableState(db: Awaited<ReturnType<typeof openDatabase>>["db"], table: string): Promise<TableState> {
  const r = await sql<TableState>`
    SELECT s.last_vacuum, s.last_analyze, c.reltuples::float8 AS reltuples
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.relname = ${table} AND s.schemaname = current_schema()`.execute(db);
  const row = r.rows[0];
  if (!row) throw new Error(`no table ${table}`);
  return row;
}

describe("vacuuming the churning tables", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("vacuums the tables it is given on every run, and analyzes one only when its row count has moved", async () => {
    const dataDir = tempDir("liaison-vacuum-");
    dirs.push(dataDir);
    seedEmbeddedDatabase(dataDir);
    const { db, close } = await openDatabase({ dataDir });
    try {
      await sql`CREATE TABLE churn (id int PRIMARY KEY, status text)`.execute(db);
      await sql`INSERT INTO churn SELECT g, 'pending' FROM generate_series(1, 2000) g`.execute(db);
      await sql`UPDATE churn SET status = 'delivered'`.execute(db);
      const before = await tableState(db, "churn");
      expect(before.last_vacuum).toBeNull();
      expect(before.last_analyze).toBeNull();

      const vacuum = new ChurnVacuum({ db, logger, intervalMs: 0, tables: ["churn"] });
      await vacuum.runOnce();

      const after = await tableState(db, "churn");
      expect(after.last_vacuum).not.toBeNull();
      expect(after.last_analyze).not.toBeNull();
      expect(after.reltuples).toBe(2000);

      // Churn that leaves the count where it was (or moves it less than 50 + 10%): vacuumed, not analyzed again.
      await sql`UPDATE churn SET status = 'pending' WHERE id <= 500`.execute(db);
      await sql`INSERT INTO churn SELECT g, 'pending' FROM generate_series(2001, 2200) g`.execute(db);
      await vacuum.runOnce();
      const churned = await tableState(db, "churn");
      expect(churned.last_vacuum?.getTime()).toBeGreaterThan(after.last_vacuum?.getTime() ?? 0);
      expect(churned.last_analyze?.getTime()).toBe(after.last_analyze?.getTime());
      expect(churned.reltuples).toBe(2200);

      // Past the threshold (2,000 + 50 + 200 = 2,250 rows): analyzed again.
      await sql`INSERT INTO churn SELECT g, 'pending' FROM generate_series(2201, 2400) g`.execute(db);
      await vacuum.runOnce();
      const grown = await tableState(db, "churn");
      expect(grown.last_analyze?.getTime()).toBeGreaterThan(after.last_analyze?.getTime() ?? 0);
      expect(grown.reltuples).toBe(2400);

      // A table too small to sample (under 50 rows, never analyzed) is vacuumed only.
      await sql`CREATE TABLE small (id int PRIMARY KEY)`.execute(db);
      await sql`INSERT INTO small SELECT g FROM generate_series(1, 20) g`.execute(db);
      await new ChurnVacuum({ db, logger, intervalMs: 0, tables: ["small"] }).runOnce();
      expect((await tableState(db, "small")).last_vacuum).not.toBeNull();
      expect((await tableState(db, "small")).last_analyze).toBeNull();

      // A process that finds the table analyzed already (a restart) takes its count as the baseline.
      const restarted = new ChurnVacuum({ db, logger, intervalMs: 0, tables: ["churn"] });
      await restarted.runOnce();
      expect((await tableState(db, "churn")).last_analyze?.getTime()).toBe(grown.last_analyze?.getTime());
    } finally {
      await close();
    }
  });

  // PGlite has no autovacuum; on PostgreSQL the node vacuums only if the server's own is off (this project's
  // test server has it off; a server with it on must see no vacuum from the node).
  it("a node vacuums its churning tables on its interval, on PGlite and on a server without autovacuum", async () => {
    const node = await startTestNode({ party: "IN", listen: true, config: { embeddedVacuumSeconds: 0.2 } });
    try {
      const { db, kind } = node.deps.database;
      const expected = kind === "pglite" || (await serverAutovacuumOff(db));
      if (expected) {
        await eventually(async () => {
          for (const table of CHURNING_TABLES) {
            if ((await tableState(db, table)).last_vacuum === null) return false;
          }
          return true;
        }, 15_000);
      } else {
        await new Promise((r) => setTimeout(r, 1000));
        expect((await tableState(db, "outbox")).last_vacuum).toBeNull();
      }
    } finally {
      await node.close();
      rmSync(node.dataDir, { recursive: true, force: true });
    }
  });
});
