import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { startTestNode, tempDir } from "../support/nodes.ts";

/** Every path under `dir` whose mode lets group or others in. */
function loose(dir: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return found;
}

describe("the data directory's modes", () => {
  it("are 0700 / 0600 throughout after a start and a stop, and a looser mode found at start is fixed with a warning", async () => {
    const dataDir = tempDir();
    try {
      const first = await startTestNode({ party: "IN", dataDir });
      expect(loose(dataDir)).toEqual([]);
      await first.close();
      expect(loose(dataDir)).toEqual([]);

      // Someone loosened a file and a directory while the node was down.
      const keyFile = join(dataDir, "keys", readdirSync(join(dataDir, "keys"))[0] as string);
      chmodSync(keyFile, 0o644);
      chmodSync(join(dataDir, "keys"), 0o755);
      const lines: string[] = [];
      const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
      const second = await startTestNode({ party: "IN", dataDir, logger });
      expect(loose(dataDir)).toEqual([]);
      const warning = lines.map((l) => JSON.parse(l)).find((l) => /others could read or change/.test(l.msg));
      expect(warning?.level).toBe(40);
      expect(warning?.count).toBe(2);
      await second.close();
      expect(loose(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  // Only root can make a file another user owns; as that other user the node cannot fix it.
  it.runIf(process.getuid?.() === 0)("refuses to start when a mode cannot be fixed, with a clear message", () => {
    const dataDir = tempDir();
    try {
      mkdirSync(join(dataDir, "db"));
      writeFileSync(join(dataDir, "db", "users"), "x", { mode: 0o666 });
      chmodSync(join(dataDir, "db", "users"), 0o666);
      chmodSync(dataDir, 0o755);
      chmodSync(join(dataDir, "db"), 0o755);
      const script = `import("./src/node/data-dir-modes.ts").then((m) => m.secureDataDir(${JSON.stringify(dataDir)})).catch((e) => { console.error(e.code + ": " + e.message); process.exit(3); })`;
      const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
        uid: 65534,
        gid: 65534,
        encoding: "utf8",
        env: { ...process.env, TSX_TSCONFIG_PATH: "tsconfig.json", HOME: "/tmp" },
      });
      expect(child.status, child.stderr).toBe(3);
      expect(child.stderr).toMatch(/LIAISON_DATA_DIR_INSECURE: .*has mode 7?55 and cannot be set to 700 .*chown/);
      expect((lstatSync(join(dataDir, "db", "users")).mode & 0o777).toString(8)).toBe("666"); // nothing changed
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
