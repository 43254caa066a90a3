/**
 * Identity module: owns who may call the node — local user accounts (scrypt password hashes), login sessions
 * (bearer token or HTTP-only cookie with a CSRF token), login lockout, API tokens (the administrator's bootstrap
 * token) and the demo accounts. It turns a request's credentials into a Principal through a list of
 * authenticators; what that principal may do is the policy module's decision.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IdentityConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { DirectoryService } from "../directory/directory.service.ts";
import { AuthService } from "./auth.service.ts";
import {
  type Authenticator,
  apiTokenAuthenticator,
  sessionBearerAuthenticator,
  sessionCookieAuthenticator,
} from "./authenticators.ts";
import { type DemoUser, seedDemoUsers } from "./demo-users.ts";
import { findActiveToken, hashToken, insertToken } from "./tokens.repository.ts";
import { UsersService } from "./users.service.ts";

export const ADMIN_TOKEN_FILE = "admin.token";

export interface IdentityDeps {
  db: Db;
  clock: Clock;
  party: string;
  mode: string;
  config: IdentityConfig;
  changes: ChangeRunner;
  directory: DirectoryService;
}

export class IdentityService {
  readonly users: UsersService;
  readonly auth: AuthService;

  constructor(private readonly deps: IdentityDeps) {
    this.users = new UsersService(deps);
    this.auth = new AuthService(deps);
  }

  /** The built-in ways to authenticate, tried in order; the node may append more (OIDC) after these. */
  authenticators(): Authenticator[] {
    return [
      apiTokenAuthenticator(this.deps.db, this.deps.party),
      sessionBearerAuthenticator(this.auth),
      sessionCookieAuthenticator(this.auth),
    ];
  }

  seedDemoUsers(dataDir: string): Promise<DemoUser[]> {
    const { db, party, mode } = this.deps;
    return seedDemoUsers({ db, users: this.users, party, mode, actor: `node:${party}` }, dataDir);
  }

  /** The operator's bearer token, in <dataDir>/admin.token (mode 0600); created on first start. */
  async ensureAdminToken(dataDir: string): Promise<string> {
    const file = join(dataDir, ADMIN_TOKEN_FILE);
    let token: string;
    if (existsSync(file)) {
      token = readFileSync(file, "utf8").trim();
    } else {
      token = `lsn_${randomBytes(32).toString("base64url")}`;
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
    }
    if (!(await findActiveToken(this.deps.db, token))) {
      await this.deps.db
        .insertInto("api_tokens")
        .values({
          token_hash: hashToken(token),
          principal: `admin@${this.deps.party.toLowerCase()}`,
          role: "administrator",
          label: "bootstrap administrator token",
          created_at: this.deps.clock.now(),
          revoked_at: null,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    return token;
  }

  async issueToken(principal: string, role: string, label: string): Promise<string> {
    const token = `lsn_${randomBytes(32).toString("base64url")}`;
    await insertToken(this.deps.db, {
      token_hash: hashToken(token),
      principal,
      role,
      label,
      created_at: this.deps.clock.now(),
    });
    return token;
  }
}
