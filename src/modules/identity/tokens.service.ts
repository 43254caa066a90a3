import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IdentityConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import { conflict, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import { findTokenById, hashToken, insertToken, listTokens, revokeTokenById } from "./tokens.repository.ts";

export const ADMIN_TOKEN_FILE = "admin.token";
export const API_TOKEN_PREFIX = "lsn_";
const DAY_MS = 86_400_000;

export interface TokensDeps {
  db: Db;
  clock: Clock;
  party: string;
  config: IdentityConfig;
  changes: ChangeRunner;
}

export interface TokenView {
  id: string;
  principal: string;
  role: string;
  label: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  status: "active" | "expired" | "revoked";
}

/**
 * API tokens: the administrator's bootstrap token and tokens issued to tools. Each has an expiry and can be
 * revoked; listing shows ids, never secrets (only their SHA-256 is stored).
 */
export class TokensService {
  constructor(private readonly deps: TokensDeps) {}

  private expiry(ttlSeconds?: number): Date {
    const ms = ttlSeconds !== undefined ? ttlSeconds * 1000 : this.deps.config.apiTokenTtlDays * DAY_MS;
    return new Date(this.deps.clock.now().getTime() + ms);
  }

  /**
   * The operator's bearer token, in <dataDir>/admin.token (mode 0600). Created on first start, and replaced by a
   * new one at start-up once it has expired or been revoked: whoever can read the data directory runs the node
   * anyway, while a revoked token (say, one that leaked) must never work again.
   */
  async ensureAdminToken(dataDir: string): Promise<string> {
    const file = join(dataDir, ADMIN_TOKEN_FILE);
    const { db, clock } = this.deps;
    if (existsSync(file)) {
      const token = readFileSync(file, "utf8").trim();
      const row = await db
        .selectFrom("api_tokens")
        .select(["revoked_at", "expires_at"])
        .where("token_hash", "=", hashToken(token))
        .executeTakeFirst();
      if (row && row.revoked_at === null && row.expires_at > clock.now()) return token;
      if (!row) {
        await this.insertAdmin(token);
        return token;
      }
    }
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    await this.insertAdmin(token);
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    return token;
  }

  private async insertAdmin(token: string): Promise<void> {
    await this.deps.db
      .insertInto("api_tokens")
      .values({
        token_hash: hashToken(token),
        id: uuidv7(this.deps.clock.now().getTime()),
        principal: `admin@${this.deps.party.toLowerCase()}`,
        role: "administrator",
        label: "bootstrap administrator token",
        created_at: this.deps.clock.now(),
        expires_at: this.expiry(),
        revoked_at: null,
        revoked_by: null,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /** A new token for a tool (tests, scripts); it expires after `ttlSeconds` or the configured default. */
  async issue(principal: string, role: string, label: string, options: { ttlSeconds?: number } = {}) {
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    const now = this.deps.clock.now();
    const id = uuidv7(now.getTime());
    await insertToken(this.deps.db, {
      token_hash: hashToken(token),
      id,
      principal,
      role,
      label,
      created_at: now,
      expires_at: this.expiry(options.ttlSeconds),
    });
    return { id, token };
  }

  async list(): Promise<TokenView[]> {
    const now = this.deps.clock.now();
    return (await listTokens(this.deps.db)).map((row) => toTokenView(row, now));
  }

  /** Revoke a token by id: audited, and refused (changing nothing) when the id is unknown or already revoked. */
  async revoke(id: string, actor: { id: string; requestId?: string | undefined }): Promise<TokenView> {
    return this.deps.changes.run(async (change) => {
      const row = await findTokenById(change.tx, id);
      if (!row) throw notFound("LIAISON_AUTH_TOKEN_NOT_FOUND", `no API token ${id}`);
      if (row.revoked_at !== null || !(await revokeTokenById(change.tx, id, change.at, actor.id))) {
        throw conflict("LIAISON_AUTH_TOKEN_REVOKED", `the API token ${id} is already revoked`);
      }
      change.audit({
        actor: actor.id,
        action: "auth.token-revoke",
        subject: id,
        outcome: "success",
        requestId: actor.requestId,
        details: { principal: row.principal, role: row.role, label: row.label },
      });
      return toTokenView({ ...row, revoked_at: change.at, revoked_by: actor.id }, change.at);
    });
  }
}

type TokenRow = Awaited<ReturnType<typeof listTokens>>[number];

function toTokenView(row: TokenRow, now: Date): TokenView {
  return {
    id: row.id,
    principal: row.principal,
    role: row.role,
    label: row.label,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    revokedBy: row.revoked_by,
    status: row.revoked_at ? "revoked" : row.expires_at <= now ? "expired" : "active",
  };
}
