import { rmSync } from "node:fs";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.ts";
import { migrateToLatest, migrationsApplied } from "../../src/db/migrate.ts";
import { randomSchema, TEST_DATABASE_URL, tempDir } from "../support/nodes.ts";
import { seedEmbeddedDatabase } from "../support/pglite-template.ts";

describe("forward-only migrations", () => {
  const opened: { handle: DatabaseHandle; dir: string }[] = [];
  const open = async (schema = randomSchema("mig")) => {
    const dir = tempDir("liaison-mig-");
    if (!TEST_DATABASE_URL) seedEmbeddedDatabase(dir);
    const handle = await openDatabase({ url: TEST_DATABASE_URL, schema, dataDir: dir });
    opened.push({ handle, dir });
    return { ...handle, schema };
  };
  afterEach(async () => {
    for (const { handle, dir } of opened.splice(0)) {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const first = {
    "2026010101_a_items": ["CREATE TABLE items (id int PRIMARY KEY)"],
    "2026010102_a_seed": ["INSERT INTO items VALUES (1)"],
  };

  it("applies each migration once, in name order, and says when the schema is up to date", async () => {
    const { db, schema } = await open();
    // Declared out of order: the names decide.
    const migrations = {
      "2026010102_a_seed": first["2026010102_a_seed"],
      "2026010101_a_items": first["2026010101_a_items"],
    };
    expect(await migrateToLatest(db, migrations, schema)).toEqual(["2026010101_a_items", "2026010102_a_seed"]);
    expect(await migrationsApplied(db, migrations)).toBe(true);
    expect(await migrateToLatest(db, migrations, schema)).toEqual([]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM items`.execute(db);
    expect(rows[0]?.n).toBe(1);

    const later = { ...migrations, "2026010103_b_more": ["ALTER TABLE items ADD COLUMN label text"] };
    expect(await migrationsApplied(db, later)).toBe(false);
    expect(await migrateToLatest(db, later, schema)).toEqual(["2026010103_b_more"]);
    expect(await migrationsApplied(db, later)).toBe(true);
  });

  it("a failing migration rolls back the whole run and names the migration", async () => {
    const { db, schema } = await open();
    const broken = { ...first, "2026010103_b_broken": ["ALTER TABLE no_such_table ADD COLUMN x int"] };
    const error = await migrateToLatest(db, broken, schema).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "LIAISON_DB_MIGRATION_FAILED" });
    expect((error as Error).message).toContain("2026010103_b_broken");
    // Nothing of the run stayed: not the table, not the bookkeeping.
    await expect(sql`SELECT 1 FROM items`.execute(db)).rejects.toThrow();
    await expect(migrationsApplied(db, first)).rejects.toThrow();
    expect(await migrateToLatest(db, first, schema)).toEqual(Object.keys(first));
  });

  it.runIf(TEST_DATABASE_URL)("two processes starting on one schema apply each migration once", async () => {
    const a = await open();
    const b = await open(a.schema);
    const [ranA, ranB] = await Promise.all([
      migrateToLatest(a.db, first, a.schema),
      migrateToLatest(b.db, first, b.schema),
    ]);
    expect([...ranA, ...ranB].sort()).toEqual(Object.keys(first));
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM items`.execute(a.db);
    expect(rows[0]?.n).toBe(1);
  });
});
