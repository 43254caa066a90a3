import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DemoUsersFile } from "../../src/modules/identity/demo-users.ts";
import { randomSchema, startTestNode } from "../support/nodes.ts";
import { login } from "./helpers.ts";

describe("demo accounts", () => {
  it("seeds the demo users once, lists them in demo-users.json, and a production node refuses them", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "liaison-demo-users-"));
    const schema = randomSchema("demo");
    const demo = await startTestNode({ party: "CA", dataDir, schema, config: { mode: "demo" } });
    let users: DemoUsersFile["users"];
    try {
      users = await demo.deps.identity.seedDemoUsers(dataDir);
      const file = join(dataDir, "demo-users.json");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const written = JSON.parse(readFileSync(file, "utf8")) as DemoUsersFile;
      expect(written.party).toBe("CA");
      const names = written.users.map((u) => u.username);
      for (const name of ["ca.rcmp.officer", "ca.rcmp.approver", "ca.coordinator", "ca.auditor"]) {
        expect(names).toContain(name);
      }
      const officer = written.users.find((u) => u.username === "ca.rcmp.officer");
      const loggedIn = await login(demo, "ca.rcmp.officer", officer?.password ?? "");
      expect(loggedIn.status).toBe(200);
      expect(loggedIn.body.token).toBeTruthy();
      expect(loggedIn.cookies.some((c) => c.name === "liaison_session")).toBe(true);

      // A second seeding (a demo restart) keeps accounts and passwords.
      const again = await demo.deps.identity.seedDemoUsers(dataDir);
      expect(again).toEqual(users);
      const list = await demo.api<{ items: { username: string; demo: boolean }[] }>("GET", "/api/v1/users");
      expect(list.body.items.filter((u) => u.demo)).toHaveLength(users.length);
    } finally {
      await demo.close();
    }

    await expect(startTestNode({ party: "CA", dataDir, schema, config: { mode: "production" } })).rejects.toMatchObject(
      { code: "LIAISON_IDENTITY_DEMO_ACCOUNTS_IN_PRODUCTION" },
    );
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it("seeds demo users only in demo mode", async () => {
    const node = await startTestNode({ party: "IN" });
    try {
      await expect(node.deps.identity.seedDemoUsers(node.dataDir)).rejects.toMatchObject({
        code: "LIAISON_IDENTITY_DEMO_MODE_ONLY",
      });
      const list = await node.api<{ items: unknown[] }>("GET", "/api/v1/users");
      expect(list.body.items).toHaveLength(0);
    } finally {
      await node.close();
    }
  });

  it("refuses to start without the domain facts", async () => {
    const empty = mkdtempSync(join(tmpdir(), "liaison-no-domain-"));
    await expect(startTestNode({ party: "IN", config: { domainDir: empty } })).rejects.toMatchObject({
      code: "LIAISON_DIRECTORY_DOMAIN_MISSING",
    });
    rmSync(empty, { recursive: true, force: true });
  });
});
