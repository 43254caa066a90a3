import { defineModule } from "../module.ts";
import { type KeyRevocationDeps, KeyRevocationService } from "./keys.revocation.ts";
import { keysRoutes } from "./keys.routes.ts";

/** Keys: revoking this node's retired keys and telling the peers (the key ring itself is loaded by the node). */
export function createKeysModule(deps: KeyRevocationDeps) {
  const revocations = new KeyRevocationService(deps);
  return defineModule({ name: "keys", revocations, routes: [keysRoutes(revocations)] });
}
