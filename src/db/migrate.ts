import { sql } from "kysely";
import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";
import { LiaisonError } from "../core/errors.ts";
import type { Db } from "./database.ts";

/**
 * Migrations are forward-only lists of SQL statements, owned by the module whose tables they create and named
 * `<yyyymmddnn>_<module>_<what>` so they apply in a stable order. The same SQL runs on PGlite and PostgreSQL.
 */
export type SqlMigrations = Record<string, readonly string[]>;

function toKyselyMigrations(all: SqlMigrations): Record<string, Migration> {
  const result: Record<string, Migration> = {};
  for (const [name, statements] of Object.entries(all)) {
    result[name] = {
      async up(db) {
        for (const statement of statements) await sql.raw(statement).execute(db);
      },
    };
  }
  return result;
}

export async function migrateToLatest(db: Db, migrations: SqlMigrations, schema?: string): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => toKyselyMigrations(migrations) };
  // Modules are developed side by side, so a migration may be older than one already applied.
  const migrator = new Migrator({
    db,
    provider,
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new LiaisonError("LIAISON_DB_MIGRATION_FAILED", 500, `migration ${failed} failed: ${String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** True when every known migration has been applied: what /readyz checks. */
export async function migrationsApplied(db: Db, migrations: SqlMigrations, schema?: string): Promise<boolean> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => toKyselyMigrations(migrations) },
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const all = await migrator.getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
