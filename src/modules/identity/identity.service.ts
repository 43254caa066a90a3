/**
 * Identity module: owns who may call the node — local user accounts (scrypt password hashes), login sessions
 * (bearer token or HTTP-only cookie with a CSRF token), the second factor (TOTP, recovery codes), login lockout, API tokens (the administrator's bootstrap
 * token) and the demo accounts. It turns a request's credentials into a Principal through a list of
 * authenticators; what that principal may do is the policy module's decision.
 */
import type { IdentityConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import { ROLE_GRANT_KIND } from "../approvals/approvals.service.ts";
import type { DirectoryService } from "../directory/directory.service.ts";
import { AuthService } from "./auth.service.ts";
import {
  type Authenticator,
  apiTokenAuthenticator,
  sessionBearerAuthenticator,
  sessionCookieAuthenticator,
} from "./authenticators.ts";
import { type DemoUser, seedDemoUsers } from "./demo-users.ts";
import { SecondFactorService } from "./second-factor.service.ts";
import { SecretBox } from "./secret-box.ts";
import { TokensService } from "./tokens.service.ts";
import { type RoleGrantQueue, UsersService } from "./users.service.ts";

export { ADMIN_TOKEN_FILE } from "./tokens.service.ts";

export interface IdentityDeps {
  /** Where the key that seals second-factor secrets lives (SecretBox). */
  dataDir: string;
  db: Db;
  clock: Clock;
  party: string;
  mode: string;
  config: IdentityConfig;
  changes: ChangeRunner;
  directory: DirectoryService;
  /** Grants of the approver, auditor and administrator roles wait there for a second administrator. */
  approvals?: RoleGrantQueue | undefined;
}

export class IdentityService {
  readonly users: UsersService;
  readonly auth: AuthService;
  readonly tokens: TokensService;
  readonly secondFactor: SecondFactorService;

  constructor(private readonly deps: IdentityDeps) {
    this.users = new UsersService({ ...deps, passwordHashCost: deps.config.passwordHashCost });
    this.secondFactor = new SecondFactorService({
      ...deps,
      box: SecretBox.forDataDir(deps.dataDir),
      requiredRoles: deps.config.totpRequiredRoles,
    });
    this.auth = new AuthService({ ...deps, secondFactor: this.secondFactor });
    this.tokens = new TokensService(deps);
    deps.approvals?.onDecided(ROLE_GRANT_KIND, (change, outcome) => this.users.roleGrantDecided(change, outcome));
  }

  /** The built-in ways to authenticate, tried in order; the node may append more (OIDC) after these. */
  authenticators(): Authenticator[] {
    return [
      apiTokenAuthenticator(this.deps.db, this.deps.clock, this.deps.party),
      sessionBearerAuthenticator(this.auth),
      sessionCookieAuthenticator(this.auth),
    ];
  }

  seedDemoUsers(dataDir: string): Promise<DemoUser[]> {
    const { db, party, mode } = this.deps;
    return seedDemoUsers(
      { db, users: this.users, secondFactor: this.secondFactor, party, mode, actor: `node:${party}` },
      dataDir,
    );
  }

  /** The operator's bearer token, in <dataDir>/admin.token (mode 0600); see TokensService.ensureAdminToken. */
  ensureAdminToken(dataDir: string): Promise<string> {
    return this.tokens.ensureAdminToken(dataDir);
  }

  /** A token for a tool or a test, expiring after `ttlSeconds` (default: identity.apiTokenTtlDays). */
  async issueToken(principal: string, role: string, label: string, options: { ttlSeconds?: number } = {}) {
    return (await this.tokens.issue(principal, role, label, options)).token;
  }
}
