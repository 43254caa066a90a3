import { defineModule } from "../module.ts";
import { PrecursorCatalogue } from "./precursors.catalogue.ts";
import { eventHandler, incidentHandler, notificationHandler } from "./precursors.handlers.ts";
import { PrecursorIncidents } from "./precursors.incidents.ts";
import { precursorsMigrations } from "./precursors.migrations.ts";
import { precursorsRoutes } from "./precursors.routes.ts";
import { type PrecursorsDeps, PrecursorsService } from "./precursors.service.ts";
import { PrecursorSweeper } from "./precursors.sweeper.ts";

/** How often reply deadlines are looked at (reminders before, the no-reply record after). */
const DEADLINE_SWEEP_INTERVAL_MS = 30_000;

export interface PrecursorsModuleOptions extends Omit<PrecursorsDeps, "catalogue"> {
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
  const service = new PrecursorsService({ ...deps, catalogue });
  const incidents = new PrecursorIncidents(service);
  const sweeper = new PrecursorSweeper(service, deps.logger);
  return defineModule({
    name: "precursors",
    migrations: precursorsMigrations,
    service,
    incidents,
    sweeper,
    catalogue,
    envelopeHandlers: [notificationHandler(service), eventHandler(service), incidentHandler(service)],
    routes: [precursorsRoutes(service, incidents)],
    tasks: [
      {
        name: "precursor deadline sweeper",
        background: true,
        start: () => sweeper.start(DEADLINE_SWEEP_INTERVAL_MS),
        stop: () => sweeper.stop(),
      },
    ],
  });
}
export type PrecursorsModule = ReturnType<typeof createPrecursorsModule>;
