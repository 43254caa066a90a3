import type { DbOrTx } from "../../db/database.ts";

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  party: string;
  agency: string | null;
  role: string;
  /** JSON array of lane ids. */
  lanes: string;
  password_hash: string;
  /** `pending`: created with a role that needs a second administrator's approval, which has not come yet. */
  status: "active" | "disabled" | "pending";
  /** Seeded by the demo; a production node refuses to start while any exists. */
  demo: boolean;
  created_at: Date;
  updated_at: Date;
  password_changed_at: Date;
  /** Who created the account, and who last changed it (role, status, password reset): four eyes per person. */
  created_by: string | null;
  updated_by: string | null;
  /** The last completed sign-in (every factor given), for the access review; null if never. */
  last_sign_in_at: Date | null;
}

declare module "../../db/schema.ts" {
  interface Database {
    users: UsersTable;
  }
}

export async function insertUser(db: DbOrTx, row: UsersTable): Promise<void> {
  await db.insertInto("users").values(row).execute();
}

export async function findUserByUsername(db: DbOrTx, username: string) {
  return db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
}

export async function findUserById(db: DbOrTx, id: string) {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listUsers(db: DbOrTx) {
  return db.selectFrom("users").selectAll().orderBy("username").execute();
}

export async function countDemoUsers(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("demo", "=", true)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function updateUser(
  db: DbOrTx,
  id: string,
  changes: Partial<
    Pick<
      UsersTable,
      "status" | "password_hash" | "updated_at" | "password_changed_at" | "updated_by" | "role" | "agency" | "lanes"
    >
  >,
): Promise<void> {
  await db.updateTable("users").set(changes).where("id", "=", id).execute();
}

export async function recordSignIn(db: DbOrTx, id: string, at: Date): Promise<void> {
  await db.updateTable("users").set({ last_sign_in_at: at }).where("id", "=", id).execute();
}

/** Swap a password hash for a stronger one of the same password, only if it is still `expected`. */
export async function replacePasswordHash(db: DbOrTx, id: string, expected: string, hash: string): Promise<boolean> {
  const r = await db
    .updateTable("users")
    .set({ password_hash: hash })
    .where("id", "=", id)
    .where("password_hash", "=", expected)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Who created and who last changed each of these accounts (ids without an account are left out). */
export async function accountChangers(db: DbOrTx, ids: string[]) {
  const uuids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (uuids.length === 0) return [];
  return db.selectFrom("users").select(["id", "created_by", "updated_by"]).where("id", "in", uuids).execute();
}

/** Administrator accounts ever created on this node, in any status (a disabled one still counts). */
export async function countAdministratorAccounts(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("role", "=", "administrator")
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
