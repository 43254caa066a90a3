/**
 * Web app bundle: builds web/ with Vite and measures, from its manifest, what a first visit downloads before
 * any view (the shell: entry chunk and its static imports, plus CSS) and each route's lazy chunk, gzipped.
 * Target: shell JS under 300 KB gzipped. Prints a table and one JSON summary line.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  css?: string[];
}

const dist = join(import.meta.dirname, "..", "web", "dist");
execFileSync("npx", ["vite", "build", "web", "--logLevel", "warn"], { stdio: "inherit" });
const manifest = JSON.parse(readFileSync(join(dist, ".vite", "manifest.json"), "utf8")) as Record<
  string,
  ManifestChunk
>;
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const raw = (file: string) => readFileSync(join(dist, file)).length;

/** A chunk's file and every chunk it statically imports, once each. */
function closure(key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const imported of manifest[key]?.imports ?? []) closure(imported, seen);
  return seen;
}

const entryKey = Object.keys(manifest).find((k) => manifest[k]?.isEntry);
if (!entryKey) throw new Error("no entry in the manifest");
const shell = [...closure(entryKey)].map((k) => manifest[k]?.file as string);
const shellCss = manifest[entryKey]?.css ?? [];
const shellJsGz = shell.reduce((n, f) => n + gz(f), 0);
const shellJsRaw = shell.reduce((n, f) => n + raw(f), 0);
const shellCssGz = shellCss.reduce((n, f) => n + gz(f), 0);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`shell JS: ${shell.length} files, ${kb(shellJsRaw)} raw, ${kb(shellJsGz)} gzipped (target < 300 KB)`);
console.log(`shell CSS: ${kb(shellCssGz)} gzipped`);
console.log("\nroute chunks (gzipped, beyond the shell):");
const routes: Record<string, number> = {};
for (const [key, chunk] of Object.entries(manifest)) {
  if (!chunk.isDynamicEntry) continue;
  const extra = [...closure(key)].filter((k) => !closure(entryKey).has(k)).map((k) => manifest[k]?.file as string);
  const size = extra.reduce((n, f) => n + gz(f), 0);
  routes[(chunk.src ?? key).replace(/^src\//, "")] = size;
}
for (const [name, size] of Object.entries(routes).sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(32)} ${kb(size).padStart(10)}`);
}
console.log(
  JSON.stringify({
    bench: "web",
    shellJsGzipBytes: shellJsGz,
    shellJsRawBytes: shellJsRaw,
    shellCssGzipBytes: shellCssGz,
    targetShellJsGzipBytes: 300 * 1024,
    met: shellJsGz < 300 * 1024,
    routesGzipBytes: routes,
  }),
);
