import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IdentityConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import { badRequest, LiaisonError, unauthorized } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { UserView } from "./identity.schema.ts";
import { assertStrongPassword, dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./passwords.ts";
import type { Principal } from "./principal.ts";
import {
  clearLoginFailures,
  countDeadSessions,
  deleteDeadSessions,
  deleteStaleLoginFailures,
  findLiveSession,
  findLoginFailures,
  insertSession,
  recordLoginFailure,
  revokeSession,
  revokeUserSessions,
  touchSession,
} from "./sessions.repository.ts";
import { hashToken } from "./tokens.repository.ts";
import { findUserById, findUserByUsername, replacePasswordHash, updateUser } from "./users.repository.ts";
import { toUserView } from "./users.service.ts";

export const SESSION_TOKEN_PREFIX = "lss_";
/** last_seen_at is refreshed at most this often: idle detection needs no write on every request. */
const TOUCH_INTERVAL_MS = 15_000;
/** A username and client with no failure for this long start counting afresh. */
const FORGET_FAILURES_AFTER_MS = 24 * 3600 * 1000;

interface FailureKey {
  username: string;
  client: string;
}

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
}

interface ClientInfo {
  ip: string;
  requestId?: string | undefined;
}

export interface AuthDeps {
  db: Db;
  clock: Clock;
  party: string;
  config: IdentityConfig;
  changes: ChangeRunner;
}

const loginFailed = () => unauthorized("LIAISON_AUTH_LOGIN_FAILED", "the username or password is wrong");

/** Logins, sessions and password changes for local accounts. */
export class AuthService {
  constructor(private readonly deps: AuthDeps) {}

  async login(usernameGiven: string, password: string, client: ClientInfo): Promise<LoginResult> {
    const username = usernameGiven.trim().toLowerCase();
    const now = this.deps.clock.now();
    const key = { username, client: client.ip };
    await this.refuseWhileLocked(key, now, `anonymous@${client.ip}`, client);
    const user = await findUserByUsername(this.deps.db, username);
    // Unknown users cost one scrypt too, so time does not tell which usernames exist.
    const matches = await verifyPassword(
      password,
      user?.password_hash ?? (await dummyPasswordHash(this.deps.config.passwordHashCost)),
    );
    if (!user || !matches || user.status !== "active") {
      const reason = !user ? "unknown-user" : !matches ? "bad-password" : "disabled";
      await this.recordFailure(key, `anonymous@${client.ip}`, client, reason);
      throw loginFailed();
    }
    // A hash made at an older, cheaper cost is replaced now, while the password is at hand.
    const cost = this.deps.config.passwordHashCost;
    const rehash = needsRehash(user.password_hash, cost) ? await hashPassword(password, cost) : undefined;
    const token = `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    const sessionId = uuidv7(now.getTime());
    const expiresAt = new Date(now.getTime() + this.deps.config.sessionTtlSeconds * 1000);
    await this.deps.changes.run(async (change) => {
      await insertSession(change.tx, {
        token_hash: hashToken(token),
        id: sessionId,
        user_id: user.id,
        created_at: change.at,
        last_seen_at: change.at,
        expires_at: expiresAt,
      });
      // Only if the hash is still the one verified: a password changed meanwhile is not overwritten.
      const rehashed = rehash ? await replacePasswordHash(change.tx, user.id, user.password_hash, rehash) : false;
      await clearLoginFailures(change.tx, username, client.ip);
      change.audit({
        actor: user.id,
        action: "auth.login",
        subject: sessionId,
        outcome: "success",
        requestId: client.requestId,
        details: { username, ip: client.ip, ...(rehashed ? { passwordRehashed: true } : {}) },
      });
    });
    return { token, csrfToken: csrfTokenFor(token), expiresAt, user: toUserView(user) };
  }

  private async refuseWhileLocked(key: FailureKey, now: Date, actor: string, client: ClientInfo): Promise<void> {
    const failures = await findLoginFailures(this.deps.db, key.username, key.client);
    if (!failures?.locked_until || failures.locked_until <= now) return;
    const retryAfterSeconds = Math.ceil((failures.locked_until.getTime() - now.getTime()) / 1000);
    await this.deps.changes.run(async (change) => {
      change.audit({
        actor,
        action: "auth.login-failed",
        subject: key.username,
        outcome: "failure",
        requestId: client.requestId,
        details: { reason: "locked", ip: client.ip, retryAfterSeconds },
      });
    });
    throw new LiaisonError(
      "LIAISON_AUTH_LOCKED",
      429,
      `too many failed logins for this username from this client; try again after ${failures.locked_until.toISOString()}`,
      { retryAfterSeconds },
    );
  }

  /** The wait after the n-th failure in a row: none at first, then doubling from loginDelaySeconds to the cap. */
  private delayMsFor(failures: number): number {
    const { maxFailedLogins, loginDelaySeconds, lockoutSeconds } = this.deps.config;
    if (failures < maxFailedLogins) return 0;
    const doublings = Math.min(failures - maxFailedLogins, 30);
    return Math.min(loginDelaySeconds * 2 ** doublings, lockoutSeconds) * 1000;
  }

  private async recordFailure(key: FailureKey, actor: string, client: ClientInfo, reason: string) {
    const now = this.deps.clock.now();
    const forgetBefore = new Date(now.getTime() - FORGET_FAILURES_AFTER_MS);
    await this.deps.changes.run(async (change) => {
      const { failures, lockedUntil } = await recordLoginFailure(change.tx, key, change.at, forgetBefore, (n) =>
        this.delayMsFor(n),
      );
      change.audit({
        actor,
        action: "auth.login-failed",
        subject: key.username,
        outcome: "failure",
        requestId: client.requestId,
        details: {
          reason,
          ip: client.ip,
          failures,
          ...(lockedUntil ? { lockedUntil: lockedUntil.toISOString() } : {}),
        },
      });
    });
  }

  /**
   * HTTP Basic for protocol clients that cannot log in (TAXII 2.1 clients, src/modules/cyber): the same password
   * check, failure count and lockout as a login, but no session. A TAXII client sends its password on every
   * request, so a verified password is remembered for a minute (by a hash of it; the account is still re-read on
   * every request, so a disabled account or a changed password stops it at once).
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
      await this.refuseWhileLocked(key, now, `anonymous@${client.ip}`, client);
      matches = await verifyPassword(
        password,
        user?.password_hash ?? (await dummyPasswordHash(this.deps.config.passwordHashCost)),
      );
    }
    if (!user || !matches || user.status !== "active") {
      const reason = !user ? "unknown-user" : !matches ? "bad-password" : "disabled";
      this.verifiedPasswords.delete(remembered);
      await this.recordFailure(key, `anonymous@${client.ip}`, client, reason);
      throw loginFailed();
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
    await this.refuseWhileLocked(key, this.deps.clock.now(), user.id, client);
    if (!(await verifyPassword(currentPassword, user.password_hash))) {
      await this.recordFailure(key, user.id, client, "bad-current-password");
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
