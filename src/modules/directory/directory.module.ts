import { defineModule } from "../module.ts";
import { directoryMigrations } from "./directory.migrations.ts";
import { directoryRoutes } from "./directory.routes.ts";
import { type DirectoryDeps, DirectoryService } from "./directory.service.ts";

/** Directory: agencies, mandates and liaison officers of both parties. */
export function createDirectoryModule(deps: DirectoryDeps) {
  const directory = new DirectoryService(deps);
  return defineModule({
    name: "directory",
    migrations: directoryMigrations,
    directory,
    envelopeHandlers: [directory.envelopeHandler()],
    routes: [directoryRoutes(directory)],
  });
}
