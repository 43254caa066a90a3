import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where the domain facts (agencies, handling codes, legal instruments, precursors, the 2026 workplan) are read
 * from: LIAISON_DOMAIN_DIR if set, else the copy shipped in the repository's `domain/` folder, so a fresh clone
 * runs on its own. `domain/` is kept identical to the project's shared domain folder (a test checks it).
 */
export function domainDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIAISON_DOMAIN_DIR) return resolve(env.LIAISON_DOMAIN_DIR);
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "domain");
}
