import { defineModule } from "../module.ts";
import { workplanEnvelopeHandler } from "./workplan.handler.ts";
import { workplanMigrations } from "./workplan.migrations.ts";
import { WorkplanContributions } from "./workplan.owned.ts";
import { workplanRoutes } from "./workplan.routes.ts";
import { type WorkplanDeps, WorkplanService } from "./workplan.service.ts";

/** Workplan: the joint plan replicated on both nodes, and its sync with the peer. */
export function createWorkplanModule(deps: WorkplanDeps) {
  const workplan = new WorkplanService(deps);
  return defineModule({
    name: "workplan",
    migrations: workplanMigrations,
    workplan,
    envelopeHandlers: [workplanEnvelopeHandler()],
    routes: [workplanRoutes(workplan, new WorkplanContributions(workplan))],
    tasks: [
      { name: "workplan sync", background: true, start: () => workplan.sync.start(), stop: () => workplan.sync.stop() },
    ],
  });
}
