import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { auditCount, createUser, login, randomIp, STRONG_PASSWORD, uniqueName } from "./helpers.ts";

describe("login, sessions and lockout", () => {
  let node: TestNode;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", clock, config: { identity: { loginRatePerMinute: 8 } } });
  });
  afterAll(async () => node?.close());

  it("logs in, answers with a token that works as a bearer token, and sets a strict HTTP-only cookie", async () => {
    const user = await createUser(node, { role: "analyst", agency: "in-ncb" });
    const result = await login(node, user.username, STRONG_PASSWORD);
    expect(result.status).toBe(200);
    expect(result.body.token).toMatch(/^lss_/);
    expect(result.body.user).toMatchObject({ username: user.username, role: "analyst", agency: "in-ncb" });
    expect(JSON.stringify(result.body)).not.toContain("scrypt");
    const session = result.cookies.find((c) => c.name === "liaison_session");
    expect(session).toMatchObject({ value: result.body.token, httpOnly: true, sameSite: "Strict", path: "/" });
    expect(session?.secure).toBeFalsy();
    const csrf = result.cookies.find((c) => c.name === "liaison_csrf");
    expect(csrf?.value).toBe(result.body.csrfToken);
    expect(csrf?.httpOnly).toBeFalsy();

    const me = await node.api<Record<string, unknown>>("GET", "/api/v1/auth/me", undefined, result.body.token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: user.id,
      username: user.username,
      displayName: `Test ${user.username}`,
      party: "IN",
      agency: "in-ncb",
      role: "analyst",
      authMethod: "session-bearer",
    });
    expect(await auditCount(node, "auth.login")).toBeGreaterThan(0);
  });

  it("answers a wrong password, an unknown user and a disabled user alike, and audits each failure", async () => {
    const user = await createUser(node);
    const disabled = await createUser(node);
    expect((await node.api("POST", `/api/v1/users/${disabled.id}/disable`)).status).toBe(200);
    const wrong = await login(node, user.username, "Wrong-password-123");
    const unknown = await login(node, uniqueName("nobody"), STRONG_PASSWORD);
    const off = await login(node, disabled.username, STRONG_PASSWORD);
    for (const r of [wrong, unknown, off]) {
      expect(r.status).toBe(401);
      expect(r.headers["content-type"]).toContain("application/problem+json");
      expect(r.body.code).toBe("LIAISON_AUTH_LOGIN_FAILED");
      expect(r.body.detail).toBe(wrong.body.detail);
      expect(r.cookies).toHaveLength(0);
    }
    expect(await auditCount(node, "auth.login-failed", user.username)).toBe(1);
    expect(await auditCount(node, "auth.login-failed", disabled.username)).toBe(1);
  });

  it("locks a username after 5 failures, known or not, and unlocks it after 15 minutes", async () => {
    const user = await createUser(node);
    const ghost = uniqueName("ghost");
    for (let i = 0; i < 5; i++) {
      expect((await login(node, user.username, `Wrong-password-${i}`)).body.code).toBe("LIAISON_AUTH_LOGIN_FAILED");
      expect((await login(node, ghost, `Wrong-password-${i}`)).body.code).toBe("LIAISON_AUTH_LOGIN_FAILED");
    }
    const locked = await login(node, user.username, STRONG_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe("LIAISON_AUTH_LOCKED");
    expect(locked.body.token).toBeUndefined();
    const ghostLocked = await login(node, ghost, STRONG_PASSWORD);
    expect(ghostLocked.status).toBe(429);
    expect(ghostLocked.body.code).toBe("LIAISON_AUTH_LOCKED");

    clock.advance(15 * 60 * 1000 + 1000);
    const after = await login(node, user.username, STRONG_PASSWORD);
    expect(after.status).toBe(200);
  });

  it("rate-limits login attempts per client address", async () => {
    const ip = randomIp();
    const user = await createUser(node);
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await login(node, user.username, STRONG_PASSWORD, ip)).status);
    expect(statuses.slice(0, 8).every((s) => s === 200)).toBe(true);
    const limited = await login(node, user.username, STRONG_PASSWORD, ip);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("LIAISON_REQUEST_RATE_LIMITED");
    // Another address is not affected.
    expect((await login(node, user.username, STRONG_PASSWORD, randomIp())).status).toBe(200);
  });

  it("logout revokes the session", async () => {
    const user = await createUser(node);
    const { body } = await login(node, user.username, STRONG_PASSWORD);
    const out = await node.api("POST", "/api/v1/auth/logout", undefined, body.token);
    expect(out.status).toBe(204);
    const me = await node.api<{ code: string }>("GET", "/api/v1/auth/me", undefined, body.token);
    expect(me.status).toBe(401);
    expect(me.body.code).toBe("LIAISON_AUTH_INVALID_TOKEN");
  });

  it("ends a session left idle beyond the idle timeout", async () => {
    const user = await createUser(node);
    const { body } = await login(node, user.username, STRONG_PASSWORD);
    clock.advance(20 * 60 * 1000);
    expect((await node.api("GET", "/api/v1/auth/me", undefined, body.token)).status).toBe(200);
    clock.advance(31 * 60 * 1000);
    expect((await node.api("GET", "/api/v1/auth/me", undefined, body.token)).status).toBe(401);
  });

  it("changes a password with the current one, keeps this session and ends the others", async () => {
    const user = await createUser(node);
    const first = (await login(node, user.username, STRONG_PASSWORD)).body.token;
    const second = (await login(node, user.username, STRONG_PASSWORD)).body.token;
    const newPassword = "Another-Strong-Pass-77";

    const wrong = await node.api<{ code: string }>(
      "POST",
      "/api/v1/auth/password",
      { currentPassword: "Not-the-password-1", newPassword },
      first,
    );
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe("LIAISON_AUTH_WRONG_PASSWORD");
    const weak = await node.api<{ code: string }>(
      "POST",
      "/api/v1/auth/password",
      { currentPassword: STRONG_PASSWORD, newPassword: "short" },
      first,
    );
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe("LIAISON_IDENTITY_WEAK_PASSWORD");
    expect((await login(node, user.username, STRONG_PASSWORD)).status).toBe(200);

    // A bearer request needs no CSRF token.
    const changed = await node.api<{ sessionsRevoked: number }>(
      "POST",
      "/api/v1/auth/password",
      { currentPassword: STRONG_PASSWORD, newPassword },
      first,
    );
    expect(changed.status).toBe(200);
    expect(changed.body.sessionsRevoked).toBe(2);
    expect((await node.api("GET", "/api/v1/auth/me", undefined, first)).status).toBe(200);
    expect((await node.api("GET", "/api/v1/auth/me", undefined, second)).status).toBe(401);
    expect((await login(node, user.username, STRONG_PASSWORD)).status).toBe(401);
    expect((await login(node, user.username, newPassword)).status).toBe(200);
    expect(await auditCount(node, "auth.password-change", user.id)).toBe(1);
  });

  it("counts wrong current passwords towards the lockout, so a stolen session cannot guess the password", async () => {
    const user = await createUser(node);
    const token = (await login(node, user.username, STRONG_PASSWORD)).body.token;
    const attempt = (currentPassword: string) =>
      node.api<{ code: string }>(
        "POST",
        "/api/v1/auth/password",
        { currentPassword, newPassword: "Another-Strong-Pass-88" },
        token,
      );
    for (let i = 0; i < 5; i++)
      expect((await attempt(`Guess-number-${i}-x`)).body.code).toBe("LIAISON_AUTH_WRONG_PASSWORD");
    const locked = await attempt(STRONG_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe("LIAISON_AUTH_LOCKED");
    expect((await login(node, user.username, STRONG_PASSWORD)).body.code).toBe("LIAISON_AUTH_LOCKED");
    clock.advance(16 * 60 * 1000);
  });

  it("refuses logout and password change for an API token", async () => {
    const r = await node.api<{ code: string }>("POST", "/api/v1/auth/logout");
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("LIAISON_AUTH_NOT_A_SESSION");
    const p = await node.api<{ code: string }>("POST", "/api/v1/auth/password", {
      currentPassword: STRONG_PASSWORD,
      newPassword: "Another-Strong-Pass-99",
    });
    expect(p.status).toBe(400);
    expect(p.body.code).toBe("LIAISON_AUTH_NOT_A_SESSION");
    expect((await node.api("GET", "/api/v1/users")).status).toBe(200);
  });
});
