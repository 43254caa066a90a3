import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { auditCount, createUser, login } from "./helpers.ts";

describe("dead sessions are purged", () => {
  let node: TestNode;
  const clock = new ManualClock("2026-06-01T08:00:00Z");
  beforeAll(async () => {
    node = await startTestNode({
      party: "CA",
      clock,
      listen: false,
      config: { identity: { sessionTtlSeconds: 3600, sessionIdleSeconds: 600 } },
    });
  });
  afterAll(async () => {
    await node.close();
    rmSync(node.dataDir, { recursive: true, force: true });
  });

  const sessionIds = async () =>
    (await node.deps.database.db.selectFrom("sessions").select("id").execute()).map((r) => r.id).sort();
  const me = (token: string) => node.api<{ username?: string }>("GET", "/api/v1/auth/me", undefined, token);

  it("deletes logged-out, expired and idle sessions, keeps live ones, and records the purge", async () => {
    const user = await createUser(node, { role: "analyst", agency: "ca-rcmp" });
    const loggedOut = (await login(node, user.username, user.password)).body.token;
    const idle = (await login(node, user.username, user.password)).body.token;
    await node.api("POST", "/api/v1/auth/logout", undefined, loggedOut);
    const before = await sessionIds();
    expect(before).toHaveLength(2);

    clock.advance(5 * 60 * 1000);
    const live = (await login(node, user.username, user.password)).body.token;
    clock.advance(6 * 60 * 1000); // idle passes its 10 minutes, live has been seen 6 minutes ago
    expect((await me(live)).status).toBe(200);
    expect((await me(idle)).status).toBe(401);

    const purgesBefore = await auditCount(node, "auth.sessions.purge");
    expect(await node.deps.identity.auth.purgeDeadSessions()).toBe(2);
    const left = await sessionIds();
    expect(left).toHaveLength(1);
    expect(before.some((id) => left.includes(id))).toBe(false);
    expect((await me(live)).status).toBe(200);
    expect(await auditCount(node, "auth.sessions.purge")).toBe(purgesBefore + 1);

    // Nothing left to purge: nothing deleted, nothing recorded.
    expect(await node.deps.identity.auth.purgeDeadSessions()).toBe(0);
    expect(await auditCount(node, "auth.sessions.purge")).toBe(purgesBefore + 1);

    clock.advance(60 * 60 * 1000); // past the absolute expiry of the live one
    expect(await node.deps.identity.auth.purgeDeadSessions()).toBe(1);
    expect(await sessionIds()).toEqual([]);
  });
});
