import type { LiaisonModule } from "../core/module.ts";
import type { RouteRegistration } from "../http/app.ts";
import type { EnvelopeHandler } from "./federation/envelope-handlers.ts";

/** The module shape (src/core/module.ts) bound to this node's routes and envelope handlers. */
export type NodeModule = LiaisonModule<RouteRegistration, EnvelopeHandler>;

/**
 * Declare a module: `create<Name>Module` returns `defineModule({ name, migrations, routes, ..., <its services> })`.
 * The shape is checked, and what else the module offers (its services, for the node and other modules) keeps
 * its type.
 */
export function defineModule<M extends NodeModule>(module: M): M {
  return module;
}
