import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DemoUsersFile } from "../../src/modules/identity/demo-users.ts";
import { startDemo } from "../../src/node/demo.ts";
import { eventually, freePort, randomSchema, TEST_DATABASE_URL, tempDir } from "../support/nodes.ts";
import { seedEmbeddedDatabase } from "../support/pglite-template.ts";

async function demoOverrides() {
  const overrides: Record<"IN" | "CA", Record<string, unknown>> = { IN: {}, CA: {} };
  for (const party of ["IN", "CA"] as const) {
    const port = await freePort();
    overrides[party] = {
      listen: { host: "127.0.0.1", port },
      baseUrl: `http://127.0.0.1:${port}`,
      logLevel: "silent",
      federation: { retryBaseSeconds: 0.05, retryMaxSeconds: 1, pollIntervalMs: 50 },
      ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: randomSchema("demo") } : {}),
    };
  }
  return overrides;
}

describe("demo start", () => {
  it("seeds each party's demo users, who log in, and each party's directory shows the other's officers", async () => {
    const root = tempDir("liaison-demo-");
    if (!TEST_DATABASE_URL) for (const dir of ["in", "ca"]) seedEmbeddedDatabase(join(root, dir));
    const overrides = await demoOverrides();
    const demo = await startDemo({ root, overrides, logLevel: "silent" });
    try {
      const india = JSON.parse(readFileSync(join(root, "in", "demo-users.json"), "utf8")) as DemoUsersFile;
      const canada = JSON.parse(readFileSync(join(root, "ca", "demo-users.json"), "utf8")) as DemoUsersFile;
      expect(india.users.map((u) => u.username)).toEqual(
        expect.arrayContaining(["in.ncb.officer", "in.ncb.approver", "in.coordinator", "in.auditor"]),
      );
      expect(canada.users.map((u) => u.username)).toEqual(
        expect.arrayContaining(["ca.rcmp.officer", "ca.rcmp.approver", "ca.coordinator", "ca.auditor"]),
      );
      expect(demo.demoUsers.IN).toEqual(india.users);

      const officer = india.users.find((u) => u.username === "in.ncb.officer");
      const response = await fetch(`${demo.urls.IN}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "in.ncb.officer", password: officer?.password }),
      });
      expect(response.status).toBe(200);
      const { token } = (await response.json()) as { token: string };
      expect(response.headers.get("set-cookie")).toContain("liaison_session=");

      const found = await eventually(async () => {
        const r = await fetch(`${demo.urls.IN}/api/v1/directory/users?party=CA`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const { items } = (await r.json()) as { items: { username: string }[] };
        const names = items.map((e) => e.username);
        return names.includes("ca.rcmp.officer") && names.includes("ca.cbsa.officer") ? names : undefined;
      }, 20_000);
      expect(found).not.toContain("ca.rcmp.approver");
    } finally {
      await demo.close();
      rmSync(root, { recursive: true, force: true });
    }
  }, 480_000); // demo users hash at scrypt N=2^17 (about 1 s each, two at a time), and CI runs two files at once
});
