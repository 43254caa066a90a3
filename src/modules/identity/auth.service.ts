import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IdentityConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import { badRequest, LiaisonError, unauthorized } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { UserView } from "./identity.schema.ts";
import { type ClientInfo, FORGET_FAILURES_AFTER_MS, LoginThrottle } from "./login-throttle.ts";
import { assertStrongPassword, dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./passwords.ts";
import type { Principal } from "./principal.ts";
import {
  closeChallenge,
  countChallengeAttempt,
  deleteDeadChallenges,
  findOpenChallenge,
  insertLoginChallenge,
} from "./second-factor.repository.ts";
import type { SecondFactorAnswer, SecondFactorService } from "./second-factor.service.ts";
import {
  clearLoginFailures,
  countDeadSessions,
  deleteDeadSessions,
  deleteStaleLoginFailures,
  findLiveSession,
  insertSession,
  revokeSession,
  revokeUserSessions,
  type SessionScope,
  touchSession,
} from "./sessions.repository.ts";
import { hashToken } from "./tokens.repository.ts";
import {
  findUserById,
  findUserByUsername,
  recordSignIn,
  replacePasswordHash,
  type UsersTable,
  updateUser,
} from "./users.repository.ts";
import { toUserView } from "./users.service.ts";

export const SESSION_TOKEN_PREFIX = "lss_";
/** last_seen_at is refreshed at most this often: idle detection needs no write on every request. */
const TOUCH_INTERVAL_MS = 15_000;

/** Derived from the session token, so the CSRF token cannot be planted without knowing the session. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update(`liaison-csrf:${sessionToken}`).digest("base64url");
}

export function csrfTokenMatches(sessionToken: string, given: string | undefined): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export interface LoginResult {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  user: UserView;
  /** The session may only enrol a second factor, which this user's role requires and the account lacks. */
  mustEnrolSecondFactor: boolean;
}

/** The password was right and the account has a second factor: the answer to `challenge` completes the sign-in. */
export interface SecondFactorChallenge {
  secondFactor: "totp";
  challenge: string;
  expiresAt: Date;
}

const CHALLENGE_PREFIX = "lsc_";
/** Long enough to open the app and type a code, short enough that a leaked challenge is soon worthless. */
const CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** Tries per challenge; the per-username-and-client failure count throttles across challenges too. */
const CHALLENGE_ATTEMPTS = 5;

export interface AuthDeps {
  db: Db;
  clock: Clock;
  party: string;
  config: IdentityConfig;
  changes: ChangeRunner;
  secondFactor: SecondFactorService;
}

const loginFailed = () => unauthorized("LIAISON_AUTH_LOGIN_FAILED", "the username or password is wrong");
const secondFactorFailed = () =>
  unauthorized("LIAISON_AUTH_SECOND_FACTOR_FAILED", "the code is wrong, already used, or out of its time window");

/** Logins, sessions and password changes for local accounts. */
export class AuthService {
  private readonly throttle: LoginThrottle;

  constructor(private readonly deps: AuthDeps) {
    this.throttle = new LoginThrottle(deps);
  }

  /**
   * A password sign-in that cannot go on to a second step (scripts and tests with accounts that have none): an
   * account with a second factor is refused with LIAISON_AUTH_SECOND_FACTOR_REQUIRED. The HTTP login uses signIn.
   */
  async login(usernameGiven: string, password: string, client: ClientInfo): Promise<LoginResult> {
    const result = await this.signIn(usernameGiven, password, client);
    if ("challenge" in result) {
      throw unauthorized("LIAISON_AUTH_SECOND_FACTOR_REQUIRED", "this account signs in with a second factor");
    }
    return result;
  }

  /** Password sign-in: a session, or a challenge when the account has a second factor (completeSecondFactor). */
  async signIn(
    usernameGiven: string,
    password: string,
    client: ClientInfo,
  ): Promise<LoginResult | SecondFactorChallenge> {
    const username = usernameGiven.trim().toLowerCase();
    const now = this.deps.clock.now();
    const key = { username, client: client.ip };
    await this.throttle.refuseWhileLocked(key, now, `anonymous@${client.ip}`, client);
    const user = await findUserByUsername(this.deps.db, username);
    // Unknown users cost one scrypt too, so time does not tell which usernames exist.
    const matches = await verifyPassword(
      password,
      user?.password_hash ?? (await dummyPasswordHash(this.deps.config.passwordHashCost)),
    );
    if (!user || !matches || user.status !== "active") {
      const reason = !user ? "unknown-user" : !matches ? "bad-password" : "disabled";
      await this.throttle.recordFailure(key, `anonymous@${client.ip}`, client, reason);
      throw loginFailed();
    }
    // A hash made at an older, cheaper cost is replaced now, while the password is at hand.
    const cost = this.deps.config.passwordHashCost;
    const rehash = needsRehash(user.password_hash, cost) ? await hashPassword(password, cost) : undefined;
    const factors = this.deps.secondFactor;
    if (await factors.isEnrolled(this.deps.db, user.id)) {
      // The failure count is left as it is: only the whole sign-in, code included, clears it.
      return this.deps.changes.run(async (change) => {
        if (rehash) await replacePasswordHash(change.tx, user.id, user.password_hash, rehash);
        const challenge = `${CHALLENGE_PREFIX}${randomBytes(32).toString("base64url")}`;
        const expiresAt = new Date(change.at.getTime() + CHALLENGE_TTL_MS);
        await insertLoginChallenge(change.tx, {
          token_hash: hashToken(challenge),
          user_id: user.id,
          client: client.ip,
          created_at: change.at,
          expires_at: expiresAt,
        });
        change.audit({
          actor: user.id,
          action: "auth.login.password",
          subject: user.id,
          outcome: "success",
          requestId: client.requestId,
          details: { username, ip: client.ip, secondFactor: "totp", ...(rehash ? { passwordRehashed: true } : {}) },
        });
        return { secondFactor: "totp" as const, challenge, expiresAt };
      });
    }
    const scope: SessionScope = factors.isRequiredFor(user.role) ? "totp-enrolment" : "full";
    return this.deps.changes.run(async (change) => {
      // Only if the hash is still the one verified: a password changed meanwhile is not overwritten.
      const rehashed = rehash ? await replacePasswordHash(change.tx, user.id, user.password_hash, rehash) : false;
      return this.openSession(change, user, scope, client, {
        ...(rehashed ? { passwordRehashed: true } : {}),
        ...(scope === "totp-enrolment" ? { scope } : {}),
      });
    });
  }

  /**
   * The second step of a sign-in with a second factor: the challenge from the password step and a code from the
   * app (or a recovery code). A wrong, reused or out-of-window code counts as a failed login for that username
   * and client, like a wrong password, so the lockout applies to guessing codes too.
   */
  async completeSecondFactor(challenge: string, answer: SecondFactorAnswer, client: ClientInfo): Promise<LoginResult> {
    const hash = hashToken(challenge);
    const now = this.deps.clock.now();
    const open = await findOpenChallenge(this.deps.db, hash, now);
    const user = open ? await findUserById(this.deps.db, open.user_id) : undefined;
    if (!open || !user || user.status !== "active" || open.attempts >= CHALLENGE_ATTEMPTS) {
      throw unauthorized("LIAISON_AUTH_CHALLENGE_INVALID", "the sign-in has expired or was used; sign in again");
    }
    const key = { username: user.username, client: open.client };
    await this.throttle.refuseWhileLocked(key, now, user.id, client);
    const outcome = await this.deps.changes.run(async (change) => {
      // Locked, so two answers to one challenge are decided one after the other.
      const current = await findOpenChallenge(change.tx, hash, change.at);
      if (!current || current.attempts >= CHALLENGE_ATTEMPTS) return { invalid: true as const };
      const check = await this.deps.secondFactor.check(change, user.id, answer);
      if (!check.ok) {
        await countChallengeAttempt(change.tx, hash);
        await this.throttle.countFailure(change, key, user.id, client, `second-factor-${check.reason}`);
        return { failed: check.reason };
      }
      await closeChallenge(change.tx, hash, change.at);
      return { result: await this.openSession(change, user, "full", client, { secondFactor: check.method }) };
    });
    if ("invalid" in outcome) {
      throw unauthorized("LIAISON_AUTH_CHALLENGE_INVALID", "the sign-in has expired or was used; sign in again");
    }
    if ("failed" in outcome) throw secondFactorFailed();
    return outcome.result;
  }

  /** A new session for a user whose sign-in succeeded, recorded as `auth.login`. */
  private async openSession(
    change: ChangeContext,
    user: UsersTable,
    scope: SessionScope,
    client: ClientInfo,
    details: Record<string, unknown>,
  ): Promise<LoginResult> {
    const token = `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    const sessionId = uuidv7(change.at.getTime());
    const expiresAt = new Date(change.at.getTime() + this.deps.config.sessionTtlSeconds * 1000);
    await insertSession(change.tx, {
      token_hash: hashToken(token),
      id: sessionId,
      user_id: user.id,
      created_at: change.at,
      last_seen_at: change.at,
      expires_at: expiresAt,
      scope,
    });
    await clearLoginFailures(change.tx, user.username, client.ip);
    await recordSignIn(change.tx, user.id, change.at);
    change.audit({
      actor: user.id,
      action: "auth.login",
      subject: sessionId,
      outcome: "success",
      requestId: client.requestId,
      details: { username: user.username, ip: client.ip, ...details },
    });
    return {
      token,
      csrfToken: csrfTokenFor(token),
      expiresAt,
      user: toUserView(user),
      mustEnrolSecondFactor: scope === "totp-enrolment",
    };
  }

  /**
   * HTTP Basic for protocol clients that cannot log in (TAXII 2.1 clients, src/modules/cyber): the same password
   * check, failure count and lockout as a login, but no session. A TAXII client sends its password on every
   * request, so a verified password is remembered for a minute (by a hash of it; the account is still re-read on
   * every request, so a disabled account or a changed password stops it at once). An account with a second
   * factor, or whose role requires one, is refused: Basic carries no code, and must not be the way around it.
   */
  async principalForPassword(usernameGiven: string, password: string, client: ClientInfo): Promise<Principal> {
    const username = usernameGiven.trim().toLowerCase();
    const now = this.deps.clock.now();
    const key = { username, client: client.ip };
    const remembered = createHash("sha256").update(`${username}\u0000${password}`).digest("base64url");
    const user = await findUserByUsername(this.deps.db, username);
    const cached = this.verifiedPasswords.get(remembered);
    let matches = Boolean(user && cached && cached.until > now.getTime() && cached.hash === user.password_hash);
    if (!matches) {
      await this.throttle.refuseWhileLocked(key, now, `anonymous@${client.ip}`, client);
      matches = await verifyPassword(
        password,
        user?.password_hash ?? (await dummyPasswordHash(this.deps.config.passwordHashCost)),
      );
    }
    if (!user || !matches || user.status !== "active") {
      const reason = !user ? "unknown-user" : !matches ? "bad-password" : "disabled";
      this.verifiedPasswords.delete(remembered);
      await this.throttle.recordFailure(key, `anonymous@${client.ip}`, client, reason);
      throw loginFailed();
    }
    const factors = this.deps.secondFactor;
    if (factors.isRequiredFor(user.role) || (await factors.isEnrolled(this.deps.db, user.id))) {
      this.verifiedPasswords.delete(remembered);
      await this.throttle.recordFailure(key, user.id, client, "second-factor-account-on-basic");
      throw unauthorized(
        "LIAISON_AUTH_SECOND_FACTOR_REQUIRED",
        "this account signs in with a second factor, which HTTP Basic cannot carry; use an account without one",
      );
    }
    if (this.verifiedPasswords.size > 1000) this.verifiedPasswords.clear();
    this.verifiedPasswords.set(remembered, { hash: user.password_hash, until: now.getTime() + 60_000 });
    return {
      id: user.id,
      username: user.username,
      displayName: user.display_name,
      role: user.role,
      party: user.party,
      agency: user.agency ?? undefined,
    };
  }

  private readonly verifiedPasswords = new Map<string, { hash: string; until: number }>();

  /** The principal of a live session token, or undefined when the token is unknown, revoked, expired or idle. */
  async principalForSession(token: string): Promise<(Principal & { sessionId: string }) | undefined> {
    const now = this.deps.clock.now();
    const session = await findLiveSession(this.deps.db, hashToken(token), now);
    if (session?.status !== "active") return undefined;
    const idleMs = now.getTime() - session.lastSeenAt.getTime();
    if (idleMs > this.deps.config.sessionIdleSeconds * 1000) return undefined;
    // Bookkeeping, not a domain change: no audit record for each request a session makes.
    if (idleMs > TOUCH_INTERVAL_MS) await touchSession(this.deps.db, session.sessionId, now);
    return {
      id: session.userId,
      username: session.username,
      displayName: session.displayName,
      role: session.role,
      party: session.party,
      agency: session.agency ?? undefined,
      sessionId: session.sessionId,
      ...(session.scope === "totp-enrolment" ? { restriction: "totp-enrolment" as const } : {}),
    };
  }

  async logout(principal: Principal, requestId?: string): Promise<void> {
    const sessionId = principal.sessionId;
    if (!sessionId) {
      throw badRequest(
        "LIAISON_AUTH_NOT_A_SESSION",
        "this request is authenticated by an API token, not a login session; an administrator revokes tokens",
      );
    }
    await this.deps.changes.run(async (change) => {
      await revokeSession(change.tx, sessionId, change.at);
      change.audit({ actor: principal.id, action: "auth.logout", subject: sessionId, outcome: "success", requestId });
    });
  }

  /** Change one's own password; every other session of the user ends, this one stays. */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    requestId?: string,
  ): Promise<{ sessionsRevoked: number }> {
    const user = principal.sessionId ? await findUserById(this.deps.db, principal.id) : undefined;
    if (!user) {
      throw badRequest("LIAISON_AUTH_NOT_A_SESSION", "only a logged-in user can change their password");
    }
    // Guessing the current password through a stolen session is slowed down like guessing at the login; it
    // counts for this session alone, so the real user logging in elsewhere is not held up.
    const client: ClientInfo = { ip: `session:${principal.sessionId}`, requestId };
    const key = { username: user.username, client: client.ip };
    await this.throttle.refuseWhileLocked(key, this.deps.clock.now(), user.id, client);
    if (!(await verifyPassword(currentPassword, user.password_hash))) {
      await this.throttle.recordFailure(key, user.id, client, "bad-current-password");
      throw new LiaisonError("LIAISON_AUTH_WRONG_PASSWORD", 403, "the current password is wrong");
    }
    assertStrongPassword(newPassword, user.username);
    if (newPassword === currentPassword) {
      throw badRequest("LIAISON_IDENTITY_WEAK_PASSWORD", "the new password must differ from the current one");
    }
    const hash = await hashPassword(newPassword, this.deps.config.passwordHashCost);
    return this.deps.changes.run(async (change) => {
      await updateUser(change.tx, user.id, {
        password_hash: hash,
        password_changed_at: change.at,
        updated_at: change.at,
      });
      const sessionsRevoked = await revokeUserSessions(change.tx, user.id, change.at, principal.sessionId);
      change.audit({
        actor: user.id,
        action: "auth.password-change",
        subject: user.id,
        outcome: "success",
        requestId,
        details: { sessionsRevoked },
      });
      return { sessionsRevoked };
    });
  }

  /**
   * Delete the sessions that can never authenticate again (logged out, expired, idle too long), so the table
   * holds live sessions only. The purge is recorded with the ids it removed; a sweep with nothing to do is not.
   */
  async purgeDeadSessions(): Promise<number> {
    const { db, clock, config, changes } = this.deps;
    // Failure counters are bookkeeping, not records: the audit log already has every failure.
    await deleteStaleLoginFailures(db, new Date(clock.now().getTime() - FORGET_FAILURES_AFTER_MS));
    await deleteDeadChallenges(db, clock.now());
    if ((await countDeadSessions(db, clock.now(), config.sessionIdleSeconds)) === 0) return 0;
    return changes.run(async (change) => {
      const ids = await deleteDeadSessions(change.tx, change.at, config.sessionIdleSeconds);
      change.audit({
        actor: `node:${this.deps.party}`,
        action: "auth.sessions.purge",
        outcome: "success",
        details: { count: ids.length, sessions: ids },
      });
      return ids.length;
    });
  }
}
