import { defineModule } from "../../src/modules/module.ts";
import { precursorsWatchlistMigrations } from "../../src/modules/precursors/precursors.watchlist.migrations.ts";
import { precursorsWatchlistRoutes } from "../../src/modules/precursors/precursors.watchlist.routes.ts";
import { WatchlistService } from "../../src/modules/precursors/precursors.watchlist.service.ts";
import type { ModuleContext } from "../../src/node/node.ts";

/** The watchlist alone, as a module added from outside (NodeOptions.modules), until the lane's module holds it. */
export function watchlistTestModule(context: ModuleContext) {
  const watchlist = new WatchlistService({
    db: context.database.db,
    clock: context.clock,
    party: context.config.party,
    changes: context.changes,
    policy: context.access,
  });
  return defineModule({
    name: "precursors-watchlist",
    migrations: precursorsWatchlistMigrations,
    watchlist,
    start: () => watchlist.start(),
    routes: [precursorsWatchlistRoutes(watchlist)],
  });
}
