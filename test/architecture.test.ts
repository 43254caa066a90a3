import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The layering of docs/ARCHITECTURE.md, checked on the source text so it stays: core imports nothing of the
// rest, db knows no module, modules know the node's interfaces (src/core) and not the node, and a module
// reaches another only through its services, never its repository, migrations or tables.

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => ({
  path: relative(ROOT, path),
  text: readFileSync(path, "utf8"),
}));

/** Project files a file imports (static and dynamic, type-only included), as paths from the repository root. */
function importsOf(file: { path: string; text: string }): string[] {
  const specifiers = [...file.text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1] as string);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => relative(ROOT, resolve(ROOT, dirname(file.path), s)));
}

/** The module a path belongs to (`src/modules/<name>/...`), or undefined. */
const moduleOf = (path: string) => /^src\/modules\/([^/]+)\//.exec(path)?.[1];

/** Tables by owning module: each repository declares its own into the Kysely `Database` interface. */
function tableOwners(): Map<string, string> {
  const owners = new Map<string, string>();
  for (const file of files) {
    const owner = moduleOf(file.path);
    if (!owner) continue;
    for (const block of file.text.matchAll(/interface Database \{([^}]*)\}/g)) {
      for (const column of (block[1] as string).matchAll(/^\s*([a-z_]+)\s*:/gm)) owners.set(column[1] as string, owner);
    }
  }
  return owners;
}

/** Tables a file names in Kysely calls (raw SQL is not parsed: keep it in the owner's repository). */
function tablesNamedIn(text: string): string[] {
  const calls =
    /\b(?:selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin)\(\s*"([a-z_]+)/g;
  return [...text.matchAll(calls)].map((m) => m[1] as string);
}

function violations(rule: (file: { path: string }, target: string) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file).flatMap((target) => (rule(file, target) ? [`${file.path} -> ${target}`] : [])),
  );
}

describe("layering", () => {
  it("finds the source it checks", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(tableOwners().get("outbox")).toBe("federation");
    expect(tableOwners().get("exchange_messages")).toBe("exchange");
  });

  it("src/core imports nothing from the rest of src", () => {
    expect(violations((f, t) => f.path.startsWith("src/core/") && !t.startsWith("src/core/"))).toEqual([]);
  });

  it("src/db imports no module, no node and no http code", () => {
    expect(violations((f, t) => f.path.startsWith("src/db/") && /^src\/(modules|node|http)\//.test(t))).toEqual([]);
  });

  it("modules (and http) import the node's interfaces from src/core, never src/node", () => {
    expect(violations((f, t) => /^src\/(modules|http)\//.test(f.path) && t.startsWith("src/node/"))).toEqual([]);
  });

  it("a module never imports another module's repository or migrations", () => {
    const found = violations((f, t) => {
      const from = moduleOf(f.path);
      const to = moduleOf(t);
      return from !== undefined && to !== undefined && from !== to && /\.(repository|migrations)\.ts$/.test(t);
    });
    expect(found).toEqual([]);
  });

  it("federation does not import audit (audit records go through the change runner)", () => {
    expect(violations((f, t) => moduleOf(f.path) === "federation" && moduleOf(t) === "audit")).toEqual([]);
  });

  it("a module's queries name only its own tables", () => {
    const owners = tableOwners();
    const found = files.flatMap((file) => {
      const module = moduleOf(file.path);
      if (!module) return [];
      return tablesNamedIn(file.text)
        .filter((table) => owners.has(table) && owners.get(table) !== module)
        .map((table) => `${file.path} reads ${table} (owned by ${owners.get(table)})`);
    });
    expect(found).toEqual([]);
  });

  it("every module with a service or routes has a create<Name>Module factory", () => {
    const modules = readdirSync(join(SRC, "modules"), { withFileTypes: true }).filter((e) => e.isDirectory());
    // A lane's pure code may come first (precursors); once it serves or decides, the node assembles it.
    const serving = (name: string) =>
      files.some((f) => /\.(service|routes)\.ts$/.test(f.path) && moduleOf(f.path) === name);
    const missing = modules
      .map((m) => m.name)
      .filter(serving)
      .filter((name) => !files.some((f) => f.path === `src/modules/${name}/${name}.module.ts`))
      .filter((name) => name !== "policy"); // the decision point is built by the node before anything opens
    expect(missing).toEqual([]);
  });
});
