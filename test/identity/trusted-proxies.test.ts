import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/load-config.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { uniqueName } from "./helpers.ts";

/**
 * Issue 14, `trustedProxies`: the client a login is attributed to (its rate limit, its failure count and delays,
 * the audit record's `ip`) comes from X-Forwarded-For only when the socket peer is a listed proxy. From anyone
 * else the header is ignored, so an attacker cannot pick the key its failures count under, neither to escape its
 * own limit nor to spend a victim's.
 */
describe("trustedProxies: whose X-Forwarded-For a login believes (attacker tests)", () => {
  const PROXY = "10.9.0.2";
  const RATE = 3;
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({
      party: "IN",
      listen: false,
      config: { trustedProxies: [PROXY, "10.8.0.0/16"], identity: { loginRatePerMinute: RATE } },
    });
  });
  afterAll(async () => node?.close());

  const attempt = (remoteAddress: string, username: string, forwardedFor?: string) =>
    node.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { username, password: "Wrong-password-123" },
      remoteAddress,
      headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
    });
  const failureKeys = async (username: string) =>
    (
      await node.deps.database.db
        .selectFrom("login_failures")
        .select(["client", "failures"])
        .where("username", "=", username)
        .orderBy("client")
        .execute()
    ).map((r) => ({ client: r.client, failures: Number(r.failures) }));

  it("a listed proxy's X-Forwarded-For names the client (an address or one within a listed range)", async () => {
    const username = uniqueName("proxied");
    expect((await attempt(PROXY, username, "203.0.113.7")).statusCode).toBe(401);
    expect((await attempt("10.8.3.4", username, "203.0.113.8")).statusCode).toBe(401);
    expect(await failureKeys(username)).toEqual([
      { client: "203.0.113.7", failures: 1 },
      { client: "203.0.113.8", failures: 1 },
    ]);
  });

  it("a spoofed X-Forwarded-For from an unlisted address does not change the key: the socket address counts", async () => {
    const username = uniqueName("spoofed");
    const attacker = "198.51.100.9";
    const victim = "203.0.113.50";
    expect((await attempt(attacker, username, victim)).statusCode).toBe(401);
    expect(await failureKeys(username)).toEqual([{ client: attacker, failures: 1 }]);
    // Nothing was counted against the address it named.
    const victims = await node.deps.database.db
      .selectFrom("login_failures")
      .select("username")
      .where("client", "=", victim)
      .execute();
    expect(victims).toEqual([]);
  });

  it("rotating a spoofed X-Forwarded-For does not escape the per-address rate limit", async () => {
    const attacker = "198.51.100.77";
    const statuses: number[] = [];
    for (let i = 0; i < RATE + 2; i++) {
      const response = await attempt(attacker, uniqueName("rotate"), `203.0.113.${100 + i}`);
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        expect(response.headers["content-type"]).toContain("application/problem+json");
        expect(response.json().code).toBe("LIAISON_REQUEST_RATE_LIMITED");
      }
    }
    expect(statuses.slice(0, RATE).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(RATE)).toEqual([429, 429]);
    // Through the proxy, distinct clients are distinct buckets: one past the limit does not stop another.
    for (let i = 0; i < RATE; i++) await attempt(PROXY, uniqueName("busy"), "203.0.113.200");
    expect((await attempt(PROXY, uniqueName("busy"), "203.0.113.200")).statusCode).toBe(429);
    expect((await attempt(PROXY, uniqueName("other"), "203.0.113.201")).statusCode).toBe(401);
  });

  it("the configuration refuses what is not an address or a CIDR range (file or LIAISON_TRUSTED_PROXIES)", () => {
    const base = {
      mode: "test",
      party: "IN",
      name: "India",
      baseUrl: "http://127.0.0.1:7100",
      dataDir: "/tmp/liaison-config-test",
    };
    for (const bad of ["proxy.example", "10.0.0.0/33", "::1/129", "10.0.0.1/8/1", "10.0.0.0/ 8", ""]) {
      expect(() => resolveConfig({ ...base, trustedProxies: [bad] }, {}), bad).toThrow(/trustedProxies/);
    }
    const good = ["10.0.0.5", "10.0.0.0/8", "::1", "fd00::/8"];
    expect(resolveConfig({ ...base, trustedProxies: good }, {}).trustedProxies).toEqual(good);
    expect(resolveConfig(base, { LIAISON_TRUSTED_PROXIES: JSON.stringify(good) }).trustedProxies).toEqual(good);
    expect(resolveConfig(base, {}).trustedProxies).toEqual([]);
  });
});
