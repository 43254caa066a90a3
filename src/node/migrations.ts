import type { SqlMigrations } from "../db/migrate.ts";
import { approvalsMigrations } from "../modules/approvals/approvals.migrations.ts";
import { auditMigrations } from "../modules/audit/audit.migrations.ts";
import { cyberMigrations } from "../modules/cyber/cyber.migrations.ts";
import { directoryMigrations } from "../modules/directory/directory.migrations.ts";
import { exchangeMigrations } from "../modules/exchange/exchange.migrations.ts";
import { federationMigrations } from "../modules/federation/federation.migrations.ts";
import { identityMigrations } from "../modules/identity/identity.migrations.ts";
import { matchingMigrations } from "../modules/matching/matching.migrations.ts";
import { noticesMigrations } from "../modules/notices/notices.migrations.ts";
import { precursorsMigrations } from "../modules/precursors/precursors.migrations.ts";
import { precursorsWatchlistMigrations } from "../modules/precursors/precursors.watchlist.migrations.ts";
import { workplanMigrations } from "../modules/workplan/workplan.migrations.ts";

/** Every module's migrations. A module adds its own here; names order them. */
export const allMigrations: SqlMigrations = {
  ...federationMigrations,
  ...auditMigrations,
  ...identityMigrations,
  ...directoryMigrations,
  ...noticesMigrations,
  ...approvalsMigrations,
  ...workplanMigrations,
  ...exchangeMigrations,
  ...precursorsMigrations,
  ...precursorsWatchlistMigrations,
  ...cyberMigrations,
  ...matchingMigrations,
};
