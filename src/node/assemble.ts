import type { Logger } from "pino";
import type { SqlMigrations } from "../db/migrate.ts";
import type { NodeModule } from "../modules/module.ts";

/**
 * What a node has opened so far, closed in reverse order. `createNode` pushes each resource as soon as it is
 * open, so a failure at any later step closes everything before it and the caller is left with nothing running
 * (no database handle, no listener, no timer); `close()` of a running node empties the same stack.
 */
export class OpenedResources {
  private readonly stack: { name: string; close: () => Promise<void> | void }[] = [];

  constructor(private readonly logger: Logger) {}

  push(name: string, close: () => Promise<void> | void): void {
    this.stack.push({ name, close });
  }

  /** Close all, last opened first. One that fails is logged and the rest still close; the first error is thrown. */
  async closeAll(): Promise<void> {
    let first: unknown;
    for (let item = this.stack.pop(); item; item = this.stack.pop()) {
      try {
        await item.close();
      } catch (error) {
        this.logger.error({ err: error }, `closing ${item.name} failed`);
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }
}

/** Every module's migrations; two modules naming the same migration is a programming error. */
export function collectMigrations(modules: readonly NodeModule[]): SqlMigrations {
  const all: Record<string, readonly string[]> = {};
  for (const module of modules) {
    for (const [name, statements] of Object.entries(module.migrations ?? {})) {
      if (name in all) throw new Error(`migration ${name} is declared twice (module ${module.name})`);
      all[name] = statements;
    }
  }
  return all;
}
