import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { timeStepAt, totpCode } from "../../src/modules/identity/totp.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import {
  administrators,
  auditCount,
  auditRecords,
  createUser,
  enrolSecondFactor,
  login,
  passwordStep,
  phoneOf,
  randomIp,
  STRONG_PASSWORD,
} from "./helpers.ts";

/** TOTP for password sign-in (docs/identity.md, "Second factor"), on a node whose clock the test moves. */
describe("second factor (TOTP)", () => {
  let node: TestNode;
  // On a step boundary, so "the next step" and "two steps ago" are exact.
  const clock = new ManualClock(new Date(Math.ceil(Date.now() / 30_000) * 30_000 + 5_000));
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", clock, config: { identity: { loginRatePerMinute: 200 } } });
  });
  afterAll(async () => node?.close());

  const secondStep = (challenge: string, answer: Record<string, string>, ip = randomIp()) =>
    node.app
      .inject({
        method: "POST",
        url: "/api/v1/auth/login/second-factor",
        payload: { challenge, ...answer },
        remoteAddress: ip,
      })
      .then((r) => ({ status: r.statusCode, body: r.json() as Record<string, unknown>, cookies: r.cookies }));

  /** An officer (for whom the factor is optional) who enrolled it; the test knows the secret. */
  async function enrolledOfficer() {
    const user = await createUser(node);
    const session = await passwordStep(node, user.username, STRONG_PASSWORD);
    expect(session.status).toBe(200);
    expect(session.body.mustEnrolSecondFactor).toBe(false);
    const phone = await enrolSecondFactor(node, user.username, session.body.token);
    return { ...user, phone, token: session.body.token };
  }
  const codeAt = (secret: string, step: number) => totpCode(secret, new Date(step * 30_000));

  it("enrols with a QR code and a first code, never shows the secret again, and then asks for a code at sign-in", async () => {
    const user = await createUser(node, { role: "analyst", agency: "in-ncb" });
    const session = await passwordStep(node, user.username, STRONG_PASSWORD);
    const token = session.body.token;
    const started = await node.api<{ secret: string; otpauthUri: string; qrCode: string }>(
      "POST",
      "/api/v1/auth/totp/enrolment",
      undefined,
      token,
    );
    expect(started.status).toBe(201);
    expect(started.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(started.body.otpauthUri).toContain(`secret=${started.body.secret}`);
    expect(started.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Liaison%20IN:/);
    expect(started.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(started.body.qrCode.split(",")[1] ?? "", "base64").toString()).toContain("<svg");

    // Not on until confirmed: the password alone still signs in.
    expect((await passwordStep(node, user.username, STRONG_PASSWORD)).status).toBe(200);
    const wrong = await node.api<{ code: string }>(
      "POST",
      "/api/v1/auth/totp/enrolment/confirm",
      { code: "000000" },
      token,
    );
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe("LIAISON_AUTH_TOTP_CODE_WRONG");
    const confirmed = await node.api<{ recoveryCodes: string[] }>(
      "POST",
      "/api/v1/auth/totp/enrolment/confirm",
      { code: totpCode(started.body.secret, clock.now()) },
      token,
    );
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);

    // Stored sealed, never in clear; and the node will not show it (or make another) once enrolled.
    const row = await node.deps.database.db
      .selectFrom("totp_factors")
      .selectAll()
      .where("user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(started.body.secret);
    const codes = await node.deps.database.db
      .selectFrom("recovery_codes")
      .select("code_hash")
      .where("user_id", "=", user.id)
      .execute();
    expect(codes.map((c) => c.code_hash).join()).not.toContain(confirmed.body.recoveryCodes[0]?.slice(0, 4));
    const again = await node.api<{ code: string }>("POST", "/api/v1/auth/totp/enrolment", undefined, token);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("LIAISON_AUTH_TOTP_ALREADY_ENROLLED");
    const status = await node.api<Record<string, unknown>>("GET", "/api/v1/auth/totp", undefined, token);
    expect(status.body).toEqual({ enrolled: true, required: false, recoveryCodesLeft: 10 });
    expect(JSON.stringify(status.body)).not.toContain(started.body.secret);

    // The password now gives a challenge, no session and no cookie; the code completes the sign-in.
    const first = await passwordStep(node, user.username, STRONG_PASSWORD);
    expect(first.status).toBe(202);
    expect(first.body.challenge).toMatch(/^lsc_/);
    expect(first.body.token).toBeUndefined();
    expect(first.cookies).toHaveLength(0);
    clock.advance(30_000);
    const done = await secondStep(first.body.challenge ?? "", { code: totpCode(started.body.secret, clock.now()) });
    expect(done.status).toBe(200);
    expect(done.body.token).toMatch(/^lss_/);
    expect(done.cookies.find((c) => c.name === "liaison_session")?.httpOnly).toBe(true);
    expect(await auditCount(node, "auth.totp.enrol", user.id)).toBe(1);
  });

  it("refuses a wrong code, and the challenge dies after five tries", async () => {
    const user = await enrolledOfficer();
    const ip = randomIp();
    const first = await passwordStep(node, user.username, STRONG_PASSWORD, ip);
    const challenge = first.body.challenge ?? "";
    const right = codeAt(user.phone.secret, timeStepAt(clock.now()) + 1);
    const wrong = right === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++) {
      const r = await secondStep(challenge, { code: wrong }, ip);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("LIAISON_AUTH_SECOND_FACTOR_FAILED");
    }
    // Even the right code does not rescue a challenge that had its five tries (and the client now waits).
    const after = await secondStep(challenge, { code: right }, ip);
    expect(after.status).toBeGreaterThanOrEqual(401);
    expect(["LIAISON_AUTH_CHALLENGE_INVALID", "LIAISON_AUTH_LOCKED"]).toContain(after.body.code);
    expect(await auditCount(node, "auth.login-failed", user.username)).toBeGreaterThanOrEqual(5);
  });

  it("refuses a code used once already, even within its 30 seconds, and a challenge used once", async () => {
    const user = await enrolledOfficer();
    clock.advance(30_000);
    const code = totpCode(user.phone.secret, clock.now());
    const one = await passwordStep(node, user.username, STRONG_PASSWORD);
    const signedIn = await secondStep(one.body.challenge ?? "", { code });
    expect(signedIn.status).toBe(200);
    const replayedChallenge = await secondStep(one.body.challenge ?? "", {
      code: codeAt(user.phone.secret, timeStepAt(clock.now()) + 1),
    });
    expect(replayedChallenge.body.code).toBe("LIAISON_AUTH_CHALLENGE_INVALID");

    const two = await passwordStep(node, user.username, STRONG_PASSWORD);
    const reused = await secondStep(two.body.challenge ?? "", { code });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe("LIAISON_AUTH_SECOND_FACTOR_FAILED");
    // An earlier step than the last one used is refused too (a code seen before the last sign-in).
    const earlier = await secondStep(two.body.challenge ?? "", {
      code: codeAt(user.phone.secret, timeStepAt(clock.now()) - 1),
    });
    expect(earlier.body.code).toBe("LIAISON_AUTH_SECOND_FACTOR_FAILED");
    const leaves = await auditRecords(node, "auth.login-failed", user.username);
    expect(JSON.stringify(leaves)).toContain("second-factor-reused-code");
  });

  it("accepts a code one step either side of the node's time, and refuses one two steps away", async () => {
    const user = await enrolledOfficer();
    clock.advance(5 * 30_000);
    const now = timeStepAt(clock.now());
    const challenge = async () => (await passwordStep(node, user.username, STRONG_PASSWORD)).body.challenge ?? "";
    const stale = await secondStep(await challenge(), { code: codeAt(user.phone.secret, now - 2) });
    expect(stale.body.code).toBe("LIAISON_AUTH_SECOND_FACTOR_FAILED");
    const early = await secondStep(await challenge(), { code: codeAt(user.phone.secret, now + 2) });
    expect(early.body.code).toBe("LIAISON_AUTH_SECOND_FACTOR_FAILED");
    const late = await secondStep(await challenge(), { code: codeAt(user.phone.secret, now - 1) });
    expect(late.status).toBe(200);
    const ahead = await secondStep(await challenge(), { code: codeAt(user.phone.secret, now + 1) });
    expect(ahead.status).toBe(200);
    const leaves = await auditRecords(node, "auth.login-failed", user.username);
    expect(JSON.stringify(leaves)).toContain("second-factor-wrong-code");
  });

  it("takes each recovery code once, in place of a code", async () => {
    const user = await enrolledOfficer();
    const recovery = user.phone.recoveryCodes[0] ?? "";
    const first = await passwordStep(node, user.username, STRONG_PASSWORD);
    // Typed back in capitals and without dashes, it still works.
    const used = await secondStep(first.body.challenge ?? "", {
      recoveryCode: recovery.toUpperCase().replaceAll("-", " "),
    });
    expect(used.status).toBe(200);
    expect(used.body.mustEnrolSecondFactor).toBe(false);
    const second = await passwordStep(node, user.username, STRONG_PASSWORD);
    const again = await secondStep(second.body.challenge ?? "", { recoveryCode: recovery });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe("LIAISON_AUTH_SECOND_FACTOR_FAILED");
    const status = await node.api<{ recoveryCodesLeft: number }>(
      "GET",
      "/api/v1/auth/totp",
      undefined,
      String(used.body.token),
    );
    expect(status.body.recoveryCodesLeft).toBe(9);
    const audit = (await auditRecords(node, "auth.login")).filter((r) => r.actor === user.id);
    expect(JSON.stringify(audit)).toContain("recovery-code");
    // New codes replace the old ones, for a user who gives a code from the app.
    clock.advance(30_000);
    const renewed = await node.api<{ recoveryCodes: string[] }>(
      "POST",
      "/api/v1/auth/totp/recovery-codes",
      { code: totpCode(user.phone.secret, clock.now()) },
      String(used.body.token),
    );
    expect(renewed.status).toBe(200);
    const third = await passwordStep(node, user.username, STRONG_PASSWORD);
    const old = await secondStep(third.body.challenge ?? "", { recoveryCode: user.phone.recoveryCodes[1] ?? "" });
    expect(old.body.code).toBe("LIAISON_AUTH_SECOND_FACTOR_FAILED");
  });

  it("makes an approver or administrator enrol first: until then the session reaches only enrolment", async () => {
    for (const role of ["approver", "administrator"]) {
      const user = await createUser(node, role === "approver" ? { role, agency: "in-ncb" } : { role });
      const session = await passwordStep(node, user.username, STRONG_PASSWORD);
      expect(session.status).toBe(200);
      expect(session.body.mustEnrolSecondFactor).toBe(true);
      const token = session.body.token;
      const me = await node.api<Record<string, unknown>>("GET", "/api/v1/auth/me", undefined, token);
      expect(me.body).toMatchObject({ id: user.id, restriction: "totp-enrolment" });
      for (const [method, url] of [
        ["GET", "/api/v1/approvals"],
        ["GET", "/api/v1/users"],
        ["GET", "/api/v1/threads"],
      ] as const) {
        const refused = await node.api<{ code: string }>(method, url, undefined, token);
        expect(refused.status, url).toBe(403);
        expect(refused.body.code).toBe("LIAISON_AUTH_TOTP_ENROLMENT_REQUIRED");
      }
      // The cookie is held to the same rule.
      const byCookie = await node.app.inject({
        method: "GET",
        url: "/api/v1/approvals",
        cookies: { liaison_session: token },
      });
      expect(byCookie.statusCode).toBe(403);
      const status = await node.api<Record<string, unknown>>("GET", "/api/v1/auth/totp", undefined, token);
      expect(status.body).toMatchObject({ enrolled: false, required: true });

      await enrolSecondFactor(node, user.username, token);
      // The same session is a full one from now on; the next sign-in asks for a code.
      expect((await node.api("GET", "/api/v1/approvals", undefined, token)).status).toBe(200);
      expect(
        (await node.api<Record<string, unknown>>("GET", "/api/v1/auth/me", undefined, token)).body,
      ).not.toHaveProperty("restriction");
      expect((await passwordStep(node, user.username, STRONG_PASSWORD)).status).toBe(202);
      expect((await login(node, user.username, STRONG_PASSWORD)).status).toBe(200);
    }
  });

  it("HTTP Basic (TAXII) refuses an account with a second factor, or whose role requires one: it carries no code", async () => {
    const approver = await createUser(node, { role: "approver", agency: "in-ncb" });
    const officer = await enrolledOfficer();
    const plain = await createUser(node, { role: "analyst", agency: "in-ncb" });
    const auth = node.deps.identity.auth;
    for (const username of [approver.username, officer.username]) {
      await expect(auth.principalForPassword(username, STRONG_PASSWORD, { ip: randomIp() })).rejects.toMatchObject({
        code: "LIAISON_AUTH_SECOND_FACTOR_REQUIRED",
      });
    }
    await expect(auth.principalForPassword(plain.username, STRONG_PASSWORD, { ip: randomIp() })).resolves.toMatchObject(
      {
        id: plain.id,
      },
    );
  });

  it("an administrator resets another user's factor, not their own; the user's sessions end", async () => {
    const admins = await administrators(node);
    const user = await createUser(node, { role: "approver", agency: "in-ncb" });
    const signedIn = await login(node, user.username, STRONG_PASSWORD);
    expect(phoneOf(node, user.username)).toBeDefined();
    const officer = await createUser(node);
    const officerSession = await login(node, officer.username, STRONG_PASSWORD);
    const denied = await node.api<{ code: string }>(
      "POST",
      `/api/v1/users/${user.id}/totp/reset`,
      undefined,
      officerSession.body.token,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("LIAISON_POLICY_DENIED");
    const self = await node.api<{ code: string }>(
      "POST",
      `/api/v1/users/${admins.first.id}/totp/reset`,
      undefined,
      admins.first.token,
    );
    expect(self.body.code).toBe("LIAISON_AUTH_TOTP_SELF_RESET");

    const reset = await node.api<{ removed: boolean; sessionsRevoked: number }>(
      "POST",
      `/api/v1/users/${user.id}/totp/reset`,
      undefined,
      admins.first.token,
    );
    expect(reset.status).toBe(200);
    expect(reset.body.removed).toBe(true);
    expect(reset.body.sessionsRevoked).toBeGreaterThan(0);
    expect((await node.api("GET", "/api/v1/auth/me", undefined, signedIn.body.token)).status).toBe(401);
    const next = await passwordStep(node, user.username, STRONG_PASSWORD);
    expect(next.body.mustEnrolSecondFactor).toBe(true);
    expect(await auditCount(node, "user.totp.reset", user.id)).toBe(1);
  });
});
