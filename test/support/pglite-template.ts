import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Creating an embedded database (PGlite's initdb) costs ~10 s of CPU on this 2-core machine, and the suite starts
 * well over a hundred embedded nodes. Every fresh database is byte-for-byte the same before migrations, so the
 * global setup creates one template per PGlite version and each test node copies it (~40 MB, a fraction of a
 * second). The node then migrates and seeds its copy as it would a database it had just created; the product's own
 * path (openDatabase creating the directory in a child process) is still what `npm run demo` and the db tests use.
 */
const REPO = resolve(import.meta.dirname, "../..");

function pgliteVersion(): string {
  const manifest = JSON.parse(readFileSync(join(REPO, "node_modules/@electric-sql/pglite/package.json"), "utf8"));
  return String(manifest.version);
}

export function templateDir(): string {
  return join(tmpdir(), `liaison-pglite-template-${pgliteVersion()}`);
}

/** Create the template once (kept between runs; a half-made one is never visible, it appears by rename). */
export function ensurePgliteTemplate(): string {
  const dir = templateDir();
  if (existsSync(join(dir, "PG_VERSION"))) return dir;
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const result = spawnSync(process.execPath, ["--import", "tsx", join(REPO, "src/db/pglite-init.ts"), building], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`creating the PGlite template failed: ${result.stderr}`);
  try {
    renameSync(building, dir);
  } catch (error) {
    // Another run made it first: use theirs.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(join(dir, "PG_VERSION"))) throw error;
  }
  return dir;
}

/** Give a node's data directory a fresh embedded database, unless it already has one (a restart). */
export function seedEmbeddedDatabase(dataDir: string): void {
  const target = join(dataDir, "db");
  if (existsSync(join(target, "PG_VERSION"))) return;
  const template = templateDir();
  if (!existsSync(join(template, "PG_VERSION"))) return; // no template (setup skipped): the node creates its own
  mkdirSync(dataDir, { recursive: true });
  cpSync(template, target, { recursive: true });
}
