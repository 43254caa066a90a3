import type { IdentityConfig } from "../../config/config.schema.ts";
import { LiaisonError } from "../../core/errors.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import { findLoginFailures, recordLoginFailure } from "./sessions.repository.ts";

/** A username and client with no failure for this long start counting afresh. */
export const FORGET_FAILURES_AFTER_MS = 24 * 3600 * 1000;

export interface FailureKey {
  username: string;
  client: string;
}

export interface ClientInfo {
  ip: string;
  requestId?: string | undefined;
}

/**
 * Failed sign-ins (a wrong password, a wrong second-factor code, a wrong current password) counted per username
 * and client, with doubling waits: only that client waits, so nobody can lock another person out.
 */
export class LoginThrottle {
  constructor(private readonly deps: { db: Db; config: IdentityConfig; changes: ChangeRunner }) {}

  async refuseWhileLocked(key: FailureKey, now: Date, actor: string, client: ClientInfo): Promise<void> {
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

  async recordFailure(key: FailureKey, actor: string, client: ClientInfo, reason: string) {
    await this.deps.changes.run((change) => this.countFailure(change, key, actor, client, reason));
  }

  /** One more failed login for this username and client, in the caller's change, and its audit record. */
  async countFailure(change: ChangeContext, key: FailureKey, actor: string, client: ClientInfo, reason: string) {
    const forgetBefore = new Date(change.at.getTime() - FORGET_FAILURES_AFTER_MS);
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
  }
}
