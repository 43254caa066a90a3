import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite, types as pgliteTypes } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import { pglitePool } from "./pglite-pool.ts";
import { preparingPool } from "./postgres-pool.ts";
import type { Database } from "./schema.ts";

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either a transaction or the database: repositories take whichever the caller holds. */
export type DbOrTx = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; without it an embedded PGlite lives in `dataDir`. */
  url?: string | undefined;
  /** PostgreSQL schema to create and use (search_path). */
  schema?: string | undefined;
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /** PGlite's shared_buffers in MB (see config). */
  embeddedSharedBuffersMb?: number;
}

/** Create a new embedded database in a child process (see pglite-init.ts); an existing one is left alone. */
async function initPgliteDir(dir: string): Promise<void> {
  if (existsSync(join(dir, "PG_VERSION"))) return;
  const here = fileURLToPath(import.meta.url);
  const script = join(here, "..", `pglite-init${extname(here)}`);
  // Run from source (tsx, tests) the child needs the same TypeScript loader; the built package does not.
  const loader = extname(here) === ".ts" ? ["--import", "tsx"] : [];
  const stderr: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [...loader, script, dir], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) {
    throw new Error(`creating the embedded database in ${dir} failed: ${Buffer.concat(stderr).toString().trim()}`);
  }
}

// int8 (counts, bigserial ids) as JS numbers: ours stay far below 2^53, and one type on both drivers keeps code simple.
pg.types.setTypeParser(20, (value) => Number(value));

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const schema = options.schema;
    if (schema) {
      const admin = new pg.Client({ connectionString: options.url });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      ...(schema ? { options: `-c search_path="${schema}"` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) as never }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  if (!options.dataDir) throw new Error("openDatabase needs a url or a dataDir");
  const dir = join(options.dataDir, "db");
  mkdirSync(dir, { recursive: true });
  await initPgliteDir(dir);
  const pglite = await PGlite.create(dir, {
    parsers: { [pgliteTypes.INT8]: (value: string) => Number(value) },
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${options.embeddedSharedBuffersMb ?? 32}MB`],
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pglitePool(pglite) as never }) });
  return { db, kind: "pglite", close: () => db.destroy() };
}
