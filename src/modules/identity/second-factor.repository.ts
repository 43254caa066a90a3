import type { DbOrTx } from "../../db/database.ts";

export interface TotpFactorsTable {
  user_id: string;
  /** The shared secret sealed with the node's key (SecretBox), never stored or shown in clear after enrolment. */
  secret_sealed: string;
  created_at: Date;
  /** Set once the user typed a first code: until then the factor protects nothing and can be started afresh. */
  confirmed_at: Date | null;
  /** The last time step accepted: a code of that step or an earlier one is refused (no replay). */
  last_used_step: string | number | null;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: Date;
  used_at: Date | null;
}

/** Between a right password and the second factor: who, from which client, until when, how many tries. */
export interface LoginChallengesTable {
  token_hash: string;
  user_id: string;
  client: string;
  created_at: Date;
  expires_at: Date;
  attempts: number;
  used_at: Date | null;
}

declare module "../../db/schema.ts" {
  interface Database {
    totp_factors: TotpFactorsTable;
    recovery_codes: RecoveryCodesTable;
    login_challenges: LoginChallengesTable;
  }
}

export async function findTotpFactor(db: DbOrTx, userId: string, options: { forUpdate?: boolean } = {}) {
  let query = db.selectFrom("totp_factors").selectAll().where("user_id", "=", userId);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  // bigint arrives as a string from pg and as a number from PGlite.
  return row ? { ...row, last_used_step: row.last_used_step === null ? null : Number(row.last_used_step) } : undefined;
}

/** A new, unconfirmed factor, replacing an earlier unconfirmed one (a confirmed one is never overwritten here). */
export async function startTotpFactor(db: DbOrTx, userId: string, secretSealed: string, at: Date): Promise<boolean> {
  const r = await db
    .insertInto("totp_factors")
    .values({ user_id: userId, secret_sealed: secretSealed, created_at: at, confirmed_at: null, last_used_step: null })
    .onConflict((oc) =>
      oc
        .column("user_id")
        .doUpdateSet({ secret_sealed: secretSealed, created_at: at, last_used_step: null })
        .where("totp_factors.confirmed_at", "is", null),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Record `step` as used, only if it comes after the last one: two requests racing with the same code cannot
 * both pass, whichever database runs them.
 */
export async function spendTotpStep(db: DbOrTx, userId: string, step: number, confirmAt?: Date): Promise<boolean> {
  const r = await db
    .updateTable("totp_factors")
    .set({ last_used_step: step, ...(confirmAt ? { confirmed_at: confirmAt } : {}) })
    .where("user_id", "=", userId)
    .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function confirmTotpFactor(db: DbOrTx, userId: string, at: Date): Promise<void> {
  await db.updateTable("totp_factors").set({ confirmed_at: at }).where("user_id", "=", userId).execute();
}

export async function deleteSecondFactor(db: DbOrTx, userId: string): Promise<boolean> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  await db.deleteFrom("login_challenges").where("user_id", "=", userId).execute();
  const r = await db.deleteFrom("totp_factors").where("user_id", "=", userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function replaceRecoveryCodes(db: DbOrTx, userId: string, hashes: string[], at: Date): Promise<void> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  await db
    .insertInto("recovery_codes")
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: at, used_at: null })))
    .execute();
}

/** Spend a recovery code: true only for the one request that marks it used. */
export async function spendRecoveryCode(db: DbOrTx, userId: string, hash: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable("recovery_codes")
    .set({ used_at: at })
    .where("user_id", "=", userId)
    .where("code_hash", "=", hash)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function countUnusedRecoveryCodes(db: DbOrTx, userId: string): Promise<number> {
  const row = await db
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertLoginChallenge(db: DbOrTx, row: Omit<LoginChallengesTable, "attempts" | "used_at">) {
  await db
    .insertInto("login_challenges")
    .values({ ...row, attempts: 0, used_at: null })
    .execute();
}

/** The challenge, locked for this transaction, if it is unused and unexpired. */
export async function findOpenChallenge(db: DbOrTx, tokenHash: string, now: Date) {
  return db
    .selectFrom("login_challenges")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .forUpdate()
    .executeTakeFirst();
}

export async function countChallengeAttempt(db: DbOrTx, tokenHash: string): Promise<void> {
  await db
    .updateTable("login_challenges")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .where("token_hash", "=", tokenHash)
    .execute();
}

export async function closeChallenge(db: DbOrTx, tokenHash: string, at: Date): Promise<void> {
  await db.updateTable("login_challenges").set({ used_at: at }).where("token_hash", "=", tokenHash).execute();
}

/** Challenges that can no longer be answered (the session purge drops them with dead sessions). */
export async function deleteDeadChallenges(db: DbOrTx, now: Date): Promise<number> {
  const r = await db
    .deleteFrom("login_challenges")
    .where((eb) => eb.or([eb("expires_at", "<=", now), eb("used_at", "is not", null)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
