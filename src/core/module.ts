/**
 * The shape every capability module gives the node (`create<Name>Module(deps)` in
 * `src/modules/<name>/<name>.module.ts`). The node assembles modules in a loop: it collects their migrations,
 * registers their envelope handlers, starts them in order, mounts their routes, starts their tasks when it
 * listens, and closes what they opened in reverse order, also when a later step fails (docs/ARCHITECTURE.md).
 *
 * Core imports nothing from the rest, so the route and handler types are parameters; the node binds them to
 * Fastify's registration function and the federation's `EnvelopeHandler` (src/node/assemble.ts).
 */
export interface LiaisonModule<Route = unknown, Handler = unknown> {
  /** The folder name under src/modules, used in logs when a step fails. */
  readonly name: string;
  /** Forward-only SQL migrations for the tables this module owns (`<yyyymmddnn>_<module>_<what>`). */
  readonly migrations?: Readonly<Record<string, readonly string[]>>;
  /** Each registers some of the module's routes on the app, in this order. */
  readonly routes?: readonly Route[];
  /** What the module receives from the peer (one handler per envelope type). */
  readonly envelopeHandlers?: readonly Handler[];
  /** Recurring work started when the node listens and stopped when it closes (stop must be safe unstarted). */
  readonly tasks?: readonly ModuleTask[];
  /** Start-up work once the database is migrated (load caches, import, refuse unsafe state). */
  start?(): Promise<void>;
  /** Release what the module holds; called once, after every module started later has closed. */
  close?(): Promise<void>;
}

export interface ModuleTask {
  readonly name: string;
  /** Only on processes that run background work (config.deliveryWorker); others serve requests only. */
  readonly background?: boolean;
  start(): void;
  stop(): Promise<void>;
}
