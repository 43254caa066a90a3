import type { Clock } from "../../core/clock.ts";
import { conflict, forbidden, LiaisonError, notFound } from "../../core/errors.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db, DbOrTx } from "../../db/database.ts";
import type { Principal } from "./principal.ts";
import {
  confirmTotpFactor,
  countUnusedRecoveryCodes,
  deleteSecondFactor,
  findTotpFactor,
  replaceRecoveryCodes,
  spendRecoveryCode,
  spendTotpStep,
  startTotpFactor,
} from "./second-factor.repository.ts";
import type { SecretBox } from "./secret-box.ts";
import { revokeUserSessions, setSessionScope } from "./sessions.repository.ts";
import {
  checkTotp,
  enrolmentPicture,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  normaliseRecoveryCode,
} from "./totp.ts";
import { findUserById } from "./users.repository.ts";

export interface SecondFactorDeps {
  db: Db;
  clock: Clock;
  party: string;
  changes: ChangeRunner;
  box: SecretBox;
  /** Roles that must enrol before they may do anything else (identity.totpRequiredRoles). */
  requiredRoles: readonly string[];
}

/** What a user answers at the second step: a code from the app, or one of the recovery codes. */
export type SecondFactorAnswer = { code: string } | { recoveryCode: string };

export type SecondFactorCheck =
  | { ok: true; method: "totp" | "recovery-code" }
  | { ok: false; reason: "wrong-code" | "reused-code" | "unknown-recovery-code" | "not-enrolled" };

const codeWrong = () =>
  new LiaisonError("LIAISON_AUTH_TOTP_CODE_WRONG", 403, "the code is wrong, already used, or out of its time window");

/**
 * The second factor of password sign-in: TOTP (RFC 6238) enrolment, the check at sign-in, recovery codes.
 * Administrators and approvers must enrol; until they have, their sign-in opens a session that may only enrol.
 */
export class SecondFactorService {
  constructor(private readonly deps: SecondFactorDeps) {}

  isRequiredFor(role: string): boolean {
    return this.deps.requiredRoles.includes(role);
  }

  async isEnrolled(db: DbOrTx, userId: string): Promise<boolean> {
    return Boolean((await findTotpFactor(db, userId))?.confirmed_at);
  }

  async status(principal: Principal) {
    const user = await this.userOf(principal);
    const factor = await findTotpFactor(this.deps.db, user.id);
    return {
      enrolled: Boolean(factor?.confirmed_at),
      required: this.isRequiredFor(user.role),
      recoveryCodesLeft: factor?.confirmed_at ? await countUnusedRecoveryCodes(this.deps.db, user.id) : 0,
    };
  }

  /**
   * Start (or start again) an enrolment: a new secret, shown this once as a QR code and as text. Nothing is
   * protected by it until a first code confirms it; an account already enrolled is refused.
   */
  async startEnrolment(principal: Principal) {
    const user = await this.userOf(principal);
    const secret = newTotpSecret();
    const sealed = this.deps.box.seal(secret, user.id);
    const alreadyEnrolled = () =>
      conflict("LIAISON_AUTH_TOTP_ALREADY_ENROLLED", "this account already has a second factor");
    if (await this.isEnrolled(this.deps.db, user.id)) throw alreadyEnrolled();
    await this.deps.changes.run(async (change) => {
      // The upsert leaves a confirmed factor alone, so a confirmation racing with this one keeps its secret.
      if (!(await startTotpFactor(change.tx, user.id, sealed, change.at))) throw alreadyEnrolled();
      change.audit({
        actor: user.id,
        action: "auth.totp.enrolment-start",
        subject: user.id,
        outcome: "success",
        requestId: principal.requestId,
      });
    });
    const picture = await enrolmentPicture(secret, user.username, `Liaison ${this.deps.party}`);
    return { secret, otpauthUri: picture.uri, qrCode: picture.qrCode };
  }

  /**
   * Confirm the enrolment with a first code: the factor is on from now, recovery codes are made (shown once,
   * stored as hashes), and a session that was only allowed to enrol becomes a full one.
   */
  async confirmEnrolment(principal: Principal, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.userOf(principal);
    const recoveryCodes = newRecoveryCodes();
    const outcome = await this.deps.changes.run(async (change) => {
      const factor = await findTotpFactor(change.tx, user.id, { forUpdate: true });
      if (!factor) {
        throw conflict("LIAISON_AUTH_TOTP_NOT_STARTED", "start an enrolment first: POST /api/v1/auth/totp/enrolment");
      }
      if (factor.confirmed_at) throw conflict("LIAISON_AUTH_TOTP_ALREADY_ENROLLED", "this account is enrolled");
      const secret = this.deps.box.open(factor.secret_sealed, user.id);
      const check = checkTotp(secret, code, change.at, factor.last_used_step);
      if (!check.ok || !(await spendTotpStep(change.tx, user.id, check.step, change.at))) {
        change.audit({
          actor: user.id,
          action: "auth.totp.enrolment-confirm",
          subject: user.id,
          outcome: "failure",
          requestId: principal.requestId,
          details: { reason: check.ok ? "reused-code" : check.reason },
        });
        return "wrong" as const;
      }
      await replaceRecoveryCodes(change.tx, user.id, recoveryCodes.map(hashRecoveryCode), change.at);
      const upgraded = principal.sessionId ? await setSessionScope(change.tx, principal.sessionId, "full") : false;
      change.audit({
        actor: user.id,
        action: "auth.totp.enrol",
        subject: user.id,
        outcome: "success",
        requestId: principal.requestId,
        details: { recoveryCodes: recoveryCodes.length, ...(upgraded ? { sessionUpgraded: principal.sessionId } : {}) },
      });
      return "ok" as const;
    });
    if (outcome === "wrong") throw codeWrong();
    return { recoveryCodes };
  }

  /** New recovery codes in place of the old ones, for a signed-in user who proves the factor with a code. */
  async renewRecoveryCodes(principal: Principal, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.userOf(principal);
    const recoveryCodes = newRecoveryCodes();
    const ok = await this.deps.changes.run(async (change) => {
      const check = await this.check(change, user.id, { code });
      change.audit({
        actor: user.id,
        action: "auth.totp.recovery-codes",
        subject: user.id,
        outcome: check.ok ? "success" : "failure",
        requestId: principal.requestId,
        details: check.ok ? { recoveryCodes: recoveryCodes.length } : { reason: check.reason },
      });
      if (check.ok) await replaceRecoveryCodes(change.tx, user.id, recoveryCodes.map(hashRecoveryCode), change.at);
      return check.ok;
    });
    if (!ok) throw codeWrong();
    return { recoveryCodes };
  }

  /**
   * Check an answer inside the caller's change, spending what it uses: the TOTP step (never accepted again) or
   * the recovery code (single use). The caller audits and decides what follows.
   */
  async check(change: ChangeContext, userId: string, answer: SecondFactorAnswer): Promise<SecondFactorCheck> {
    const factor = await findTotpFactor(change.tx, userId, { forUpdate: true });
    if (!factor?.confirmed_at) return { ok: false, reason: "not-enrolled" };
    if ("recoveryCode" in answer) {
      if (normaliseRecoveryCode(answer.recoveryCode).length !== 12)
        return { ok: false, reason: "unknown-recovery-code" };
      const used = await spendRecoveryCode(change.tx, userId, hashRecoveryCode(answer.recoveryCode), change.at);
      return used ? { ok: true, method: "recovery-code" } : { ok: false, reason: "unknown-recovery-code" };
    }
    const secret = this.deps.box.open(factor.secret_sealed, userId);
    const result = checkTotp(secret, answer.code, change.at, factor.last_used_step);
    if (!result.ok) return result;
    // Conditional on the step still being newer than the last one used: of two racing requests one wins.
    if (!(await spendTotpStep(change.tx, userId, result.step))) return { ok: false, reason: "reused-code" };
    return { ok: true, method: "totp" };
  }

  /**
   * An administrator removes a user's second factor (a lost phone and lost recovery codes): the user's sessions
   * end, and the user enrols again at the next sign-in. Nobody removes their own: a stolen session must not be
   * able to strip the factor that protects the account.
   */
  async reset(userId: string, actor: { id: string; requestId?: string | undefined }) {
    if (userId === actor.id) {
      throw forbidden("LIAISON_AUTH_TOTP_SELF_RESET", "an administrator cannot remove their own second factor");
    }
    const user = await findUserById(this.deps.db, userId);
    if (!user) throw notFound("LIAISON_IDENTITY_USER_NOT_FOUND", `no user ${userId}`);
    return this.deps.changes.run(async (change) => {
      const removed = await deleteSecondFactor(change.tx, userId);
      const sessionsRevoked = await revokeUserSessions(change.tx, userId, change.at);
      change.audit({
        actor: actor.id,
        action: "user.totp.reset",
        subject: userId,
        outcome: "success",
        requestId: actor.requestId,
        details: { username: user.username, removed, sessionsRevoked },
      });
      return { removed, sessionsRevoked };
    });
  }

  /**
   * The demo's administrators and approvers come enrolled with a secret kept in demo-users.json, so the demo's
   * people (and its browser tests) sign in with codes from the start. Mode `demo` only (seedDemoUsers checks).
   */
  async seedDemoFactor(userId: string, secret: string, actor: string): Promise<void> {
    const sealed = this.deps.box.seal(secret, userId);
    await this.deps.changes.run(async (change) => {
      await deleteSecondFactor(change.tx, userId);
      await startTotpFactor(change.tx, userId, sealed, change.at);
      await confirmTotpFactor(change.tx, userId, change.at);
      change.audit({ actor, action: "auth.totp.enrol", subject: userId, outcome: "success", details: { demo: true } });
    });
  }

  /** The sealed secret of a confirmed factor, opened: the demo checks that its file still matches the database. */
  async demoSecretMatches(userId: string, secret: string): Promise<boolean> {
    const factor = await findTotpFactor(this.deps.db, userId);
    return Boolean(factor?.confirmed_at) && this.deps.box.open(factor?.secret_sealed ?? "", userId) === secret;
  }

  private async userOf(principal: Principal) {
    const user = principal.sessionId ? await findUserById(this.deps.db, principal.id) : undefined;
    if (!user) {
      throw new LiaisonError("LIAISON_AUTH_NOT_A_SESSION", 400, "a second factor belongs to a signed-in user");
    }
    return user;
  }
}
