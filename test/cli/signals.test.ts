import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, freePort, randomSchema, TEST_DATABASE_URL, tempDir } from "../support/nodes.ts";

const REPO = resolve(import.meta.dirname, "../..");

/** The processes whose parent is `pid` (Linux: /proc/<pid>/task/<pid>/children). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the liaison command and signals", () => {
  const dataDir = tempDir("liaison-signals-");
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    it(`passes ${signal} to the node, which shuts down gracefully and leaves nothing running`, async () => {
      const port = await freePort();
      const configFile = join(dataDir, `config-${signal}.json`);
      writeFileSync(
        configFile,
        JSON.stringify({
          party: "IN",
          name: "Signals",
          mode: "test",
          listen: { host: "127.0.0.1", port },
          baseUrl: `http://127.0.0.1:${port}`,
          dataDir: join(dataDir, signal),
          logLevel: "info",
          ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: randomSchema("sig") } : {}),
        }),
      );
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LIAISON_")));
      const wrapper = spawn(process.execPath, ["bin/liaison.js", "serve", "-c", configFile, "--create-keys"], {
        cwd: REPO,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const collect = (chunk: Buffer) => {
        output += chunk.toString("utf8");
      };
      wrapper.stdout.on("data", collect);
      wrapper.stderr.on("data", collect);
      const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
        wrapper.once("exit", (code, sig) => done({ code, signal: sig })),
      );
      try {
        await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 300_000, 250);
        const [node] = childrenOf(wrapper.pid as number);
        expect(node).toBeDefined();

        wrapper.kill(signal);
        const result = await exited;
        // The wrapper waited for the node and reports its clean exit.
        expect(result, output).toEqual({ code: 0, signal: null });
        expect(alive(node as number)).toBe(false);
        expect(output).toContain(`"signal":"${signal}"`);
        expect(output).toContain('"msg":"stopped"');
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      } finally {
        if (wrapper.exitCode === null) wrapper.kill("SIGKILL");
        for (const pid of childrenOf(wrapper.pid as number)) process.kill(pid, "SIGKILL");
      }
    }, 400_000);
  }
});
