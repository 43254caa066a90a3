import { RecurringTask } from "../../core/recurring-task.ts";
import { defineModule } from "../module.ts";
import { PrecursorCatalogue } from "./precursors.catalogue.ts";
import { eventHandler, incidentHandler, notificationHandler } from "./precursors.handlers.ts";
import { PrecursorIncidents } from "./precursors.incidents.ts";
import { precursorsMigrations } from "./precursors.migrations.ts";
import { precursorsRoutes } from "./precursors.routes.ts";
import { type PrecursorsDeps, PrecursorsService } from "./precursors.service.ts";
import { PrecursorSweeper } from "./precursors.sweeper.ts";
import { precursorsWatchlistMigrations } from "./precursors.watchlist.migrations.ts";
import { precursorsWatchlistRoutes } from "./precursors.watchlist.routes.ts";
import { WatchlistService } from "./precursors.watchlist.service.ts";

/** How often reply deadlines are looked at (reminders before, the no-reply record after). */
const DEADLINE_SWEEP_INTERVAL_MS = 30_000;
/** How often each process catches up with watchlist edits made by others and with new incidents' names. */
const WATCHLIST_REFRESH_INTERVAL_MS = 30_000;

export interface PrecursorsModuleOptions extends Omit<PrecursorsDeps, "catalogue" | "watchlist"> {
  /** config.domainDir: the catalogue is precursors.json there. */
  domainDir: string;
}

/**
 * The precursors lane: pre-export notifications and incidents between the parties' competent authorities,
 * their reply clocks, and this node's watchlist flags on them (the watchlist itself is `deps.watchlist`).
 */
export function createPrecursorsModule(options: PrecursorsModuleOptions) {
  const { domainDir, ...deps } = options;
  const catalogue = PrecursorCatalogue.fromDomainDir(domainDir);
  // This node's own watchlist: every notification sent or received is matched against it, locally.
  const watchlist = new WatchlistService(deps);
  const service = new PrecursorsService({ ...deps, catalogue, watchlist });
  const refresh = new RecurringTask(
    () => watchlist.refresh(),
    (error) => deps.logger?.error({ err: error }, "precursor watchlist refresh failed"),
  );
  const incidents = new PrecursorIncidents(service);
  const sweeper = new PrecursorSweeper(service, deps.logger);
  return defineModule({
    name: "precursors",
    migrations: { ...precursorsMigrations, ...precursorsWatchlistMigrations },
    service,
    watchlist,
    incidents,
    sweeper,
    catalogue,
    envelopeHandlers: [notificationHandler(service), eventHandler(service), incidentHandler(service)],
    routes: [precursorsRoutes(service, incidents), precursorsWatchlistRoutes(watchlist)],
    start: () => watchlist.start(),
    tasks: [
      {
        name: "precursor deadline sweeper",
        background: true,
        start: () => sweeper.start(DEADLINE_SWEEP_INTERVAL_MS),
        stop: () => sweeper.stop(),
      },
      // Every process, not only the background one: each answers matches from its own index.
      {
        name: "precursor watchlist refresh",
        start: () => refresh.start(WATCHLIST_REFRESH_INTERVAL_MS),
        stop: () => refresh.stop(),
      },
    ],
  });
}
export type PrecursorsModule = ReturnType<typeof createPrecursorsModule>;
