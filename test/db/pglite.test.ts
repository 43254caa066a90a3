import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { tempDir } from "../support/nodes.ts";

// The embedded database only: these run whatever LIAISON_TEST_DATABASE_URL says.
describe("embedded PGlite database", () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir("liaison-pglite-");
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("is created in a child process, opened with the configured shared buffers, and keeps its data", async () => {
    const dataDir = dir();
    const first = await openDatabase({ dataDir, embeddedSharedBuffersMb: 16 });
    expect(first.kind).toBe("pglite");
    expect(existsSync(join(dataDir, "db", "PG_VERSION"))).toBe(true);
    const shown = await sql<{ shared_buffers: string }>`SHOW shared_buffers`.execute(first.db);
    expect(shown.rows[0]?.shared_buffers).toBe("16MB");
    await sql`CREATE TABLE kept (v text)`.execute(first.db);
    await sql`INSERT INTO kept VALUES ('still here')`.execute(first.db);
    await first.close();

    const again = await openDatabase({ dataDir });
    const rows = await sql<{ v: string }>`SELECT v FROM kept`.execute(again.db);
    expect(rows.rows).toEqual([{ v: "still here" }]);
    const defaults = await sql<{ shared_buffers: string }>`SHOW shared_buffers`.execute(again.db);
    expect(defaults.rows[0]?.shared_buffers).toBe("32MB");
    await again.close();
  });

  it("says clearly when the database cannot be created", async () => {
    const dataDir = dir();
    mkdirSync(join(dataDir, "db"));
    writeFileSync(join(dataDir, "db", "base"), "a file where PostgreSQL needs a folder");
    await expect(openDatabase({ dataDir })).rejects.toThrow(/creating the embedded database in .* failed/);
  });
});
