import { sql } from "kysely";
import { LiaisonError } from "../core/errors.ts";
import type { Db } from "./database.ts";

/**
 * Migrations are forward-only lists of SQL statements, owned by the module whose tables they create and named
 * `<yyyymmddnn>_<module>_<what>` so they apply in a stable order. The same SQL runs on PGlite and PostgreSQL.
 *
 * The runner is ours rather than Kysely's Migrator: that one decides whether its table exists by introspecting
 * every column of every schema in the database, and takes one advisory lock for all of them. On a PostgreSQL
 * server that hosts many nodes (or many test schemas) start-up and every readiness probe grew with the whole
 * catalogue. Here everything stays inside the node's own schema (the connection's search_path).
 */
export type SqlMigrations = Record<string, readonly string[]>;

const MIGRATIONS_TABLE = sql.raw("liaison_migrations");

/** Apply, in one transaction, every migration not yet recorded; returns the names applied now, in order. */
export async function migrateToLatest(db: Db, migrations: SqlMigrations, schema?: string): Promise<string[]> {
  const names = Object.keys(migrations).sort();
  const applied: string[] = [];
  let current = "";
  try {
    await db.transaction().execute(async (tx) => {
      // Two processes starting on one schema take turns; nodes in other schemas are not held up.
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`liaison-migrate:${schema ?? "public"}`}))`.execute(tx);
      await sql`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
        name text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`.execute(tx);
      const done = new Set(await appliedNames(tx));
      for (const name of names) {
        if (done.has(name)) continue;
        current = name;
        for (const statement of migrations[name] ?? []) await sql.raw(statement).execute(tx);
        await sql`INSERT INTO ${MIGRATIONS_TABLE} (name) VALUES (${name})`.execute(tx);
        applied.push(name);
      }
    });
  } catch (error) {
    throw new LiaisonError(
      "LIAISON_DB_MIGRATION_FAILED",
      500,
      `migration ${current || "bookkeeping"} failed: ${(error as Error).message}`,
    );
  }
  return applied;
}

/** True when every known migration has been applied: what /readyz checks, with one small query. */
export async function migrationsApplied(db: Db, migrations: SqlMigrations): Promise<boolean> {
  const done = new Set(await appliedNames(db));
  return Object.keys(migrations).every((name) => done.has(name));
}

async function appliedNames(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM ${MIGRATIONS_TABLE}`.execute(db);
  return rows.map((row) => row.name);
}
