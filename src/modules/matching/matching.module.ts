import { defineModule } from "../module.ts";
import { MatchingLists, type MatchingListsDeps } from "./matching.lists.ts";
import { matchingMigrations } from "./matching.migrations.ts";
import { matchingRoutes } from "./matching.routes.ts";

/**
 * Hit/no-hit matching (docs/matching.md): lists of identifiers, normalised on the way in; the PSI engine
 * (matching.psi.ts) and the single-query OPRF (matching.query.ts) that runs through the federation will use.
 */
export function createMatchingModule(deps: MatchingListsDeps) {
  const lists = new MatchingLists(deps);
  return defineModule({
    name: "matching",
    migrations: matchingMigrations,
    lists,
    routes: [matchingRoutes(lists)],
  });
}
export type MatchingModule = ReturnType<typeof createMatchingModule>;
