import type { Logger } from "pino";
import type { NodeConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import { RecurringTask } from "../../core/recurring-task.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { DirectoryService } from "../directory/directory.service.ts";
import { defineModule } from "../module.ts";
import { identityMigrations } from "./identity.migrations.ts";
import { identityRoutes } from "./identity.routes.ts";
import { IdentityService } from "./identity.service.ts";
import { secondFactorRoutes } from "./second-factor.routes.ts";
import { tokensRoutes } from "./tokens.routes.ts";
import { findUserById, findUserByUsername } from "./users.repository.ts";
import type { RoleGrantQueue } from "./users.service.ts";

// Sessions that can no longer authenticate are deleted this often (see AuthService.purgeDeadSessions).
const SESSION_PURGE_INTERVAL_MS = 10 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IdentityModuleDeps {
  config: Pick<NodeConfig, "party" | "mode" | "identity" | "baseUrl" | "tls" | "dataDir">;
  db: Db;
  clock: Clock;
  logger: Logger;
  changes: ChangeRunner;
  directory: DirectoryService;
  /** Grants of the approver, auditor and administrator roles wait there for a second administrator. */
  approvals: RoleGrantQueue;
}

/** Identity: users, sessions, API tokens, and how a request proves who sent it. */
export function createIdentityModule(deps: IdentityModuleDeps) {
  const { config, db, clock, logger, changes, directory, approvals } = deps;
  const identity = new IdentityService({
    approvals,
    dataDir: config.dataDir,
    db,
    clock,
    party: config.party,
    mode: config.mode,
    config: config.identity,
    changes,
    directory,
  });
  const sessionPurge = new RecurringTask(
    () => identity.auth.purgeDeadSessions(),
    (error) => logger.error({ err: error }, "purging dead sessions failed"),
  );
  return defineModule({
    name: "identity",
    migrations: identityMigrations,
    identity,
    /** The agency of a user named by id or username, for modules that check an assignee (not their tables). */
    userAgency: async (user: string): Promise<string | null | undefined> => {
      const found =
        (UUID.test(user) ? await findUserById(db, user) : undefined) ?? (await findUserByUsername(db, user));
      return found ? found.agency : undefined;
    },
    routes: [
      identityRoutes(identity, {
        secureCookies: Boolean(config.tls) || config.baseUrl.startsWith("https:"),
        loginRatePerMinute: config.identity.loginRatePerMinute,
        sessionTtlSeconds: config.identity.sessionTtlSeconds,
      }),
      tokensRoutes(identity.tokens),
      secondFactorRoutes(identity),
    ],
    tasks: [
      {
        name: "session purge",
        start: () => sessionPurge.start(SESSION_PURGE_INTERVAL_MS),
        stop: () => sessionPurge.stop(),
      },
    ],
    // A production node refuses to start with the demo's accounts in its database.
    start: () => identity.users.assertNoDemoAccounts(),
  });
}
export type IdentityModule = ReturnType<typeof createIdentityModule>;
