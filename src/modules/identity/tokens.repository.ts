import { createHash } from "node:crypto";
import type { DbOrTx } from "../../db/database.ts";

export interface ApiTokensTable {
  token_hash: string;
  principal: string;
  role: string;
  label: string;
  created_at: Date;
  revoked_at: Date | null;
}

declare module "../../db/schema.ts" {
  interface Database {
    api_tokens: ApiTokensTable;
  }
}

/** Tokens are stored only as SHA-256: they are random 256-bit secrets, so a fast hash is enough. */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function insertToken(db: DbOrTx, row: Omit<ApiTokensTable, "revoked_at">): Promise<void> {
  await db
    .insertInto("api_tokens")
    .values({ ...row, revoked_at: null })
    .execute();
}

export async function findActiveToken(db: DbOrTx, token: string) {
  return db
    .selectFrom("api_tokens")
    .select(["principal", "role", "label"])
    .where("token_hash", "=", hashToken(token))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

export async function revokeToken(db: DbOrTx, token: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable("api_tokens")
    .set({ revoked_at: at })
    .where("token_hash", "=", hashToken(token))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
