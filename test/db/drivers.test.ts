import { rmSync } from "node:fs";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.ts";
import { PREPARED_STATEMENTS } from "../../src/db/pglite-pool.ts";
import { PREPARED_PER_CONNECTION } from "../../src/db/postgres-pool.ts";
import { randomSchema, tempDir } from "../support/nodes.ts";
import { seedEmbeddedDatabase } from "../support/pglite-template.ts";

// Both drivers keep prepared statements (src/db/pglite-pool.ts, src/db/postgres-pool.ts), and the embedded one
// speaks the wire protocol itself; these check what that must not change. PGlite always; PostgreSQL too when
// LIAISON_TEST_DATABASE_URL is set, and then values read back from both are compared.
const url = process.env.LIAISON_TEST_DATABASE_URL;
const drivers = [
  { kind: "pglite", bound: PREPARED_STATEMENTS },
  ...(url ? [{ kind: "postgres", bound: PREPARED_PER_CONNECTION }] : []),
] as const;
const readBack: Record<string, unknown[]> = {};

describe.each(drivers)("the $kind driver", ({ kind, bound }) => {
  const dataDir = tempDir("liaison-driver-");
  seedEmbeddedDatabase(dataDir);
  let handle: DatabaseHandle;
  let db: Kysely<never>;
  beforeAll(async () => {
    handle =
      kind === "pglite" ? await openDatabase({ dataDir }) : await openDatabase({ url, schema: randomSchema("driver") });
    db = handle.db as unknown as Kysely<never>;
    await sql`CREATE TABLE kinds (id uuid PRIMARY KEY, at timestamptz, n bigint, ok boolean, doc jsonb, raw bytea,
      tags text[], amount numeric, note text)`.execute(db);
  });
  afterAll(async () => {
    await handle.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const row = {
    id: "0193a7d2-0000-7000-8000-000000000001",
    at: new Date("2026-02-26T10:11:12.345Z"),
    n: 9_007_199_254_740_991,
    ok: true,
    doc: { party: "IN", list: [1, "two", null], nested: { quote: 'say "hi"' } },
    raw: Buffer.from([0, 1, 2, 254, 255]),
    tags: ["a", 'with "quote"', "back\\slash", "comma,inside"],
    amount: "12345.678",
    note: null,
  };
  const roundTrip = (target: Kysely<never>) =>
    sql<typeof row>`INSERT INTO kinds (id, at, n, ok, doc, raw, tags, amount, note)
      VALUES (${row.id}, ${row.at}, ${row.n}, ${row.ok}, ${JSON.stringify(row.doc)}, ${row.raw}, ${row.tags},
        ${row.amount}, ${row.note})
      RETURNING *`.execute(target);

  it("encodes parameters and parses results as node-postgres does, the same on both databases", async () => {
    const inserted = await roundTrip(db);
    expect(inserted.rows).toEqual([row]);
    expect(inserted.numAffectedRows).toBe(1n);
    const arrays = await sql<{ id: string }>`SELECT id FROM unnest(${[row.id]}::uuid[]) AS u(id)`.execute(db);
    expect(arrays.rows).toEqual([{ id: row.id }]);

    readBack[kind] = inserted.rows;
    if (readBack.pglite && readBack.postgres) expect(readBack.postgres).toEqual(readBack.pglite);
  });

  it("reports a failed statement with PostgreSQL's error and keeps working", async () => {
    await expect(roundTrip(db)).rejects.toMatchObject({ code: "23505" }); // the same id again
    await expect(sql`SELEC ${1}`.execute(db)).rejects.toMatchObject({ code: "42601" });
    // Not remembered as prepared: the same text fails the same way, not with "prepared statement does not exist".
    await expect(sql`SELEC ${1}`.execute(db)).rejects.toMatchObject({ code: "42601" });
    const count = await sql<{ n: number }>`SELECT count(*) AS n FROM kinds WHERE ok = ${true}`.execute(db);
    expect(count.rows).toEqual([{ n: 1 }]);
  });

  it("rolls back a transaction that failed part-way, and nothing of it stays", async () => {
    const id = "0193a7d2-0000-7000-8000-000000000002";
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`INSERT INTO kinds (id, note) VALUES (${id}, ${"first"})`.execute(tx);
        await sql`INSERT INTO kinds (id, note) VALUES (${id}, ${"again"})`.execute(tx);
      }),
    ).rejects.toMatchObject({ code: "23505" });
    const left = await sql<{ n: number }>`SELECT count(*) AS n FROM kinds WHERE id = ${id}`.execute(db);
    expect(left.rows).toEqual([{ n: 0 }]);
  });

  it("runs several statements without parameters in one go, as migrations do", async () => {
    await sql.raw("CREATE TABLE multi (v int); INSERT INTO multi VALUES (1), (2); DROP TABLE multi").execute(db);
    const gone = await sql<{ t: string | null }>`SELECT to_regclass(${"multi"}) AS t`.execute(db);
    expect(gone.rows).toEqual([{ t: null }]);
  });

  it("prepares a statement again after its table changes shape, and keeps a bounded number", async () => {
    await db.connection().execute(async (conn) => {
      const read = () => sql<Record<string, unknown>>`SELECT * FROM kinds WHERE id = ${row.id}`.execute(conn);
      expect(Object.keys((await read()).rows[0] ?? {})).not.toContain("added");
      await sql`ALTER TABLE kinds ADD COLUMN added int`.execute(conn);
      expect((await read()).rows[0]).toMatchObject({ id: row.id, added: null });
    });

    // Prepared statements belong to a session: one connection throughout.
    await db.connection().execute(async (conn) => {
      for (let i = 0; i < bound + 20; i++) await sql`SELECT ${i}::int AS v, ${sql.raw(String(i))} AS k`.execute(conn);
      const held = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_prepared_statements`.execute(conn);
      expect(held.rows[0]?.n).toBeLessThanOrEqual(bound);
      expect(held.rows[0]?.n).toBeGreaterThan(bound / 2);
    });
  });
});
