import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { hashPassword, verifyPassword } from "../../src/modules/identity/passwords.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { auditCount, createUser, login, randomIp, STRONG_PASSWORD, uniqueName } from "./helpers.ts";

describe("login, sessions and lockout", () => {
  let node: TestNode;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", clock, config: { identity: { loginRatePerMinute: 40 } } });
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

  const failuresOf = async (username: string, client: string) =>
    (
      await node.deps.database.db
        .selectFrom("login_failures")
        .select("failures")
        .where("username", "=", username)
        .where("client", "=", client)
        .executeTakeFirst()
    )?.failures;

  it("slows one client's guesses at a username with doubling waits, and never locks anyone else out", async () => {
    const user = await createUser(node);
    const ghost = uniqueName("ghost");
    const attacker = randomIp();
    for (let i = 0; i < 5; i++) {
      expect((await login(node, user.username, `Wrong-password-${i}`, attacker)).body.code).toBe(
        "LIAISON_AUTH_LOGIN_FAILED",
      );
      expect((await login(node, ghost, `Wrong-password-${i}`, attacker)).body.code).toBe("LIAISON_AUTH_LOGIN_FAILED");
    }
    // The attacker's client now waits, even with the right password; an unknown username behaves the same.
    const locked = await login(node, user.username, STRONG_PASSWORD, attacker);
    expect(locked.status).toBe(429);
    expect(locked.headers["content-type"]).toContain("application/problem+json");
    expect(locked.body).toMatchObject({ code: "LIAISON_AUTH_LOCKED", retryAfterSeconds: 30 });
    expect(locked.body.token).toBeUndefined();
    expect(locked.cookies).toHaveLength(0);
    expect((await login(node, ghost, STRONG_PASSWORD, attacker)).body.code).toBe("LIAISON_AUTH_LOCKED");
    // Refused attempts change nothing: they neither count nor lengthen the wait.
    expect(await failuresOf(user.username, attacker)).toBe(5);

    // The user, from their own client, logs in as usual: the attacker cannot lock them out.
    expect((await login(node, user.username, STRONG_PASSWORD)).status).toBe(200);

    // Each further failure doubles the attacker's wait, up to the 15-minute cap.
    const waits: number[] = [];
    let wait = 30;
    for (let i = 0; i < 6; i++) {
      clock.advance(wait * 1000 + 1000);
      expect((await login(node, user.username, `Wrong-again-${i}`, attacker)).body.code).toBe(
        "LIAISON_AUTH_LOGIN_FAILED",
      );
      const refused = await login(node, user.username, STRONG_PASSWORD, attacker);
      expect(refused.body.code).toBe("LIAISON_AUTH_LOCKED");
      wait = (refused.body as unknown as { retryAfterSeconds: number }).retryAfterSeconds;
      waits.push(wait);
    }
    expect(waits).toEqual([60, 120, 240, 480, 900, 900]);

    // Once the wait is over the right password works from there too, and that client's count starts afresh.
    clock.advance(901 * 1000);
    expect((await login(node, user.username, STRONG_PASSWORD, attacker)).status).toBe(200);
    expect(await failuresOf(user.username, attacker)).toBeUndefined();
  });

  it("rate-limits login attempts per client address", async () => {
    const ip = randomIp();
    // The limit counts every attempt before the body is even read: malformed ones make the test fast.
    const attempt = () =>
      node.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: {}, remoteAddress: ip });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await attempt()).statusCode);
    expect(statuses.every((s) => s === 400)).toBe(true);
    const user = await createUser(node);
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

  it("slows down guessing the current password through a session, without locking the user's logins", async () => {
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
    // The password did not change, and the user still logs in.
    expect((await login(node, user.username, STRONG_PASSWORD)).status).toBe(200);
    clock.advance(31 * 1000);
  });

  it("re-hashes a password stored at the older scrypt cost at the next successful login", async () => {
    const user = await createUser(node);
    const db = node.deps.database.db;
    const hashOf = async () =>
      (await db.selectFrom("users").select("password_hash").where("id", "=", user.id).executeTakeFirstOrThrow())
        .password_hash;
    const cost = node.deps.config.identity.passwordHashCost;
    expect(await hashOf()).toMatch(new RegExp(`^scrypt\\$${cost}\\$8\\$1\\$`));
    const old = await hashPassword(STRONG_PASSWORD, cost - 2);
    await db.updateTable("users").set({ password_hash: old }).where("id", "=", user.id).execute();

    // A failed login changes nothing.
    expect((await login(node, user.username, "Wrong-password-77")).status).toBe(401);
    expect(await hashOf()).toBe(old);

    const result = await login(node, user.username, STRONG_PASSWORD);
    expect(result.status).toBe(200);
    const rehashed = await hashOf();
    expect(rehashed).toMatch(new RegExp(`^scrypt\\$${cost}\\$8\\$1\\$`));
    expect(await verifyPassword(STRONG_PASSWORD, rehashed)).toBe(true);
    expect((await login(node, user.username, STRONG_PASSWORD)).status).toBe(200);
    expect(await hashOf()).toBe(rehashed);
    await node.deps.audit.sequenceQueued();
    const leaves = await db
      .selectFrom("audit_leaves")
      .select("data")
      .where("action", "=", "auth.login")
      .where("actor", "=", user.id)
      .execute();
    expect(leaves.filter((l) => Buffer.from(l.data).toString("utf8").includes('"passwordRehashed":true'))).toHaveLength(
      1,
    );
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
