import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { auditCount } from "./helpers.ts";

interface TokenItem {
  id: string;
  principal: string;
  role: string;
  expiresAt: string;
  revokedAt: string | null;
  status: string;
}

describe("API tokens: expiry, list and revoke", () => {
  let node: TestNode;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", clock, config: { identity: { apiTokenTtlDays: 30 } } });
  });
  afterAll(async () => node?.close());

  const me = (token: string) => node.api<{ code?: string }>("GET", "/api/v1/auth/me", undefined, token);
  const list = async () => (await node.api<{ items: TokenItem[] }>("GET", "/api/v1/tokens")).body.items;

  it("refuses a token once it has expired", async () => {
    const token = await node.deps.identity.issueToken(`tool-${Math.random()}`, "analyst", "test", { ttlSeconds: 60 });
    expect((await me(token)).status).toBe(200);
    clock.advance(61_000);
    const refused = await me(token);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("LIAISON_AUTH_INVALID_TOKEN");
    // Every token has an expiry, the administrator's included (30 days here).
    const admin = (await list()).find((t) => t.role === "administrator");
    expect(admin?.status).toBe("active");
    expect(Date.parse(admin?.expiresAt as string) - clock.now().getTime()).toBeLessThanOrEqual(30 * 86_400_000);
  });

  it("lists tokens without their secrets and revokes one by id, audited; a revoked token is refused", async () => {
    const principal = `tool-${Math.random()}`;
    const token = await node.deps.identity.issueToken(principal, "analyst", "ci");
    const listed = await node.api<{ items: TokenItem[] }>("GET", "/api/v1/tokens");
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(token);
    const item = listed.body.items.find((t) => t.principal === principal);
    expect(item).toMatchObject({ role: "analyst", status: "active", revokedAt: null });

    // Not an administrator: refused, and nothing changes.
    const denied = await node.api<{ code: string }>("POST", `/api/v1/tokens/${item?.id}/revoke`, undefined, token);
    expect(denied.status).toBe(403);
    expect((await me(token)).status).toBe(200);

    const revoked = await node.api<TokenItem>("POST", `/api/v1/tokens/${item?.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe("revoked");
    expect((await me(token)).status).toBe(401);
    expect(await auditCount(node, "auth.token-revoke", item?.id)).toBe(1);

    // Again, or an unknown id: refused with a code, and nothing more is recorded.
    const again = await node.api<{ code: string }>("POST", `/api/v1/tokens/${item?.id}/revoke`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("LIAISON_AUTH_TOKEN_REVOKED");
    const unknown = await node.api<{ code: string }>(
      "POST",
      "/api/v1/tokens/0190a0a0-0000-7000-8000-000000000000/revoke",
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("LIAISON_AUTH_TOKEN_NOT_FOUND");
    expect(await auditCount(node, "auth.token-revoke", item?.id)).toBe(1);
  });

  it("liaison tokens list and revoke work through the node's API", async () => {
    const principal = `cli-${Math.random()}`;
    const token = await node.deps.identity.issueToken(principal, "analyst", "cli");
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const target = ["--node", node.url, "--token", node.adminToken, "--json"];
      await main(["node", "liaison", "tokens", "list", ...target]);
      const items = (JSON.parse(out.join("")) as { items: TokenItem[] }).items;
      const id = items.find((t) => t.principal === principal)?.id as string;
      expect(id).toBeDefined();
      out.length = 0;
      await main(["node", "liaison", "tokens", "revoke", id, ...target]);
      expect(JSON.parse(out.join(""))).toMatchObject({ id, status: "revoked" });
    } finally {
      spy.mockRestore();
    }
    expect((await me(token)).status).toBe(401);
  });

  it("replaces a revoked administrator token at the next start", async () => {
    const admin = (await list()).find((t) => t.role === "administrator" && t.status === "active");
    const fresh = await node.deps.identity.ensureAdminToken(node.dataDir);
    expect(fresh).toBe(node.adminToken);
    await node.api("POST", `/api/v1/tokens/${admin?.id}/revoke`);
    expect((await me(node.adminToken)).status).toBe(401);
    const replaced = await node.deps.identity.ensureAdminToken(node.dataDir);
    expect(replaced).not.toBe(node.adminToken);
    expect((await me(replaced)).status).toBe(200);
  });
});
