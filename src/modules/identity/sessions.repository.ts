import type { WhereInterface } from "kysely";
import type { DbOrTx } from "../../db/database.ts";
import type { Database } from "../../db/schema.ts";

export interface SessionsTable {
  /** SHA-256 of the session token: the token itself is never stored. */
  token_hash: string;
  id: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  /**
   * `totp-enrolment`: an administrator or approver signed in with the password alone, before enrolling the
   * second factor they must have; the session may only enrol (authenticators.ts), then becomes `full`.
   */
  scope: SessionScope;
}

export type SessionScope = "full" | "totp-enrolment";

/**
 * Failed logins per username (known or not, so a wait does not reveal which usernames exist) and client: a
 * client's failures make only that client wait, so nobody can lock another person out.
 */
export interface LoginFailuresTable {
  username: string;
  /** The client address (forwarded by a trusted proxy, or the socket's), or `session:<id>` for a password change. */
  client: string;
  failures: number;
  locked_until: Date | null;
  last_failure_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    sessions: SessionsTable;
    login_failures: LoginFailuresTable;
  }
}

export async function insertSession(db: DbOrTx, row: Omit<SessionsTable, "revoked_at">): Promise<void> {
  await db
    .insertInto("sessions")
    .values({ ...row, revoked_at: null })
    .execute();
}

/** The session and its user, if the session is neither revoked nor past its absolute expiry. */
export async function findLiveSession(db: DbOrTx, tokenHash: string, now: Date) {
  return db
    .selectFrom("sessions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .select([
      "s.id as sessionId",
      "s.last_seen_at as lastSeenAt",
      "s.expires_at as expiresAt",
      "s.scope",
      "u.id as userId",
      "u.username",
      "u.display_name as displayName",
      "u.role",
      "u.party",
      "u.agency",
      "u.status",
    ])
    .where("s.token_hash", "=", tokenHash)
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", now)
    .executeTakeFirst();
}

export async function touchSession(db: DbOrTx, sessionId: string, at: Date): Promise<void> {
  await db.updateTable("sessions").set({ last_seen_at: at }).where("id", "=", sessionId).execute();
}

export async function setSessionScope(db: DbOrTx, sessionId: string, scope: SessionScope): Promise<boolean> {
  const r = await db
    .updateTable("sessions")
    .set({ scope })
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function revokeSession(db: DbOrTx, sessionId: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable("sessions")
    .set({ revoked_at: at })
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Revoke every live session of a user except `keep` (the one changing the password). */
export async function revokeUserSessions(db: DbOrTx, userId: string, at: Date, keep?: string): Promise<number> {
  let query = db
    .updateTable("sessions")
    .set({ revoked_at: at })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (keep) query = query.where("id", "!=", keep);
  const r = await query.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function findLoginFailures(db: DbOrTx, username: string, client: string) {
  return db
    .selectFrom("login_failures")
    .selectAll()
    .where("username", "=", username)
    .where("client", "=", client)
    .executeTakeFirst();
}

/**
 * Count one more failure of this username from this client and set when it may try again: `delayFor(failures)`
 * decides (0 for no wait). Counting restarts after `forgetBefore` (no failure since).
 */
export async function recordLoginFailure(
  db: DbOrTx,
  key: { username: string; client: string },
  at: Date,
  forgetBefore: Date,
  delayMsFor: (failures: number) => number,
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const previous = await db
    .selectFrom("login_failures")
    .selectAll()
    .where("username", "=", key.username)
    .where("client", "=", key.client)
    .forUpdate()
    .executeTakeFirst();
  const earlier = previous && previous.last_failure_at >= forgetBefore ? previous.failures : 0;
  const failures = earlier + 1;
  const delay = delayMsFor(failures);
  const lockedUntil = delay > 0 ? new Date(at.getTime() + delay) : null;
  const row = { ...key, failures, locked_until: lockedUntil, last_failure_at: at };
  await db
    .insertInto("login_failures")
    .values(row)
    .onConflict((oc) => oc.columns(["username", "client"]).doUpdateSet({ ...row }))
    .execute();
  return { failures, lockedUntil };
}

/** A successful login clears that client's count for the username; other clients' counts stay. */
export async function clearLoginFailures(db: DbOrTx, username: string, client: string): Promise<void> {
  await db.deleteFrom("login_failures").where("username", "=", username).where("client", "=", client).execute();
}

/** Counters nobody has added to since `before` mean nothing any more (the purge drops them). */
export async function deleteStaleLoginFailures(db: DbOrTx, before: Date): Promise<number> {
  const r = await db.deleteFrom("login_failures").where("last_failure_at", "<", before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Sessions that can never authenticate again: revoked (logout), past their absolute expiry, or idle beyond the
 * idle limit (the same rules AuthService.principalForSession applies).
 */
function deadSessions(now: Date, idleSeconds: number) {
  const idleSince = new Date(now.getTime() - idleSeconds * 1000);
  return <QB extends WhereInterface<Database, "sessions">>(query: QB): QB =>
    query.where((eb) =>
      eb.or([eb("revoked_at", "is not", null), eb("expires_at", "<=", now), eb("last_seen_at", "<", idleSince)]),
    ) as QB;
}

/** Delete the dead sessions; returns their ids so the purge can record them. */
export async function deleteDeadSessions(db: DbOrTx, now: Date, idleSeconds: number): Promise<string[]> {
  const rows = await db.deleteFrom("sessions").$call(deadSessions(now, idleSeconds)).returning("id").execute();
  return rows.map((r) => r.id);
}

export async function countDeadSessions(db: DbOrTx, now: Date, idleSeconds: number): Promise<number> {
  const row = await db
    .selectFrom("sessions")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .$call(deadSessions(now, idleSeconds))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
