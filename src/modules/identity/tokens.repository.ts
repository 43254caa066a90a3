import { createHash } from "node:crypto";
import type { DbOrTx } from "../../db/database.ts";

export interface ApiTokensTable {
  token_hash: string;
  /** Names the token in listings and revocation, so the secret never has to be shown again. */
  id: string;
  principal: string;
  role: string;
  label: string;
  created_at: Date;
  /** Every token expires; an expired one is refused like a revoked one. */
  expires_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
}

declare module "../../db/schema.ts" {
  interface Database {
    api_tokens: ApiTokensTable;
  }
}

/** Tokens are stored only as SHA-256: they are random 256-bit secrets, so a fast hash is enough. */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function insertToken(db: DbOrTx, row: Omit<ApiTokensTable, "revoked_at" | "revoked_by">): Promise<void> {
  await db
    .insertInto("api_tokens")
    .values({ ...row, revoked_at: null, revoked_by: null })
    .execute();
}

/** The token's row if it is neither revoked nor expired at `now`. */
export async function findActiveToken(db: DbOrTx, token: string, now: Date) {
  return db
    .selectFrom("api_tokens")
    .select(["id", "principal", "role", "label", "expires_at"])
    .where("token_hash", "=", hashToken(token))
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
}

export async function listTokens(db: DbOrTx) {
  return db
    .selectFrom("api_tokens")
    .select(["id", "principal", "role", "label", "created_at", "expires_at", "revoked_at", "revoked_by"])
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
}

export async function findTokenById(db: DbOrTx, id: string) {
  return db
    .selectFrom("api_tokens")
    .select(["id", "principal", "role", "label", "created_at", "expires_at", "revoked_at", "revoked_by"])
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
}

export async function revokeTokenById(db: DbOrTx, id: string, at: Date, by: string): Promise<boolean> {
  const r = await db
    .updateTable("api_tokens")
    .set({ revoked_at: at, revoked_by: by })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
