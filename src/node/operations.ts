import type { Logger } from "pino";
import type { OperationsConfig } from "../config/config.schema.ts";
import { unauthorized } from "../core/errors.ts";
import type { Metrics } from "../core/metrics.ts";
import type { Db } from "../db/database.ts";
import type { SqlMigrations } from "../db/migrate.ts";
import { type App, buildApp } from "../http/app.ts";
import { opsRoutes } from "../http/ops.routes.ts";

/**
 * The operations listener (`operations.listen`): /metrics, /healthz and /readyz only, on an address of its own
 * (an internal interface, a port the firewall keeps to the monitoring network), so Prometheus scrapes without a
 * token and the public listener tells strangers nothing. No API route, no web app, no authentication.
 */
export class OperationsListener {
  private app: App | undefined;

  constructor(
    private readonly deps: {
      config: OperationsConfig;
      db: Db;
      migrations: SqlMigrations;
      metrics: Metrics;
      logger: Logger;
    },
  ) {}

  /** Starts listening when configured; returns the bound URL, or undefined when there is no such listener. */
  async listen(): Promise<string | undefined> {
    const address = this.deps.config.listen;
    if (!address) return undefined;
    this.app = await buildApp({
      logger: this.deps.logger.child({ listener: "operations" }),
      bodyLimit: 1024,
      authenticate: async () => {
        throw unauthorized("LIAISON_AUTH_REQUIRED", "the operations listener serves no authenticated route");
      },
      routes: [
        opsRoutes({
          db: this.deps.db,
          migrations: this.deps.migrations,
          metrics: this.deps.metrics,
          metricsAccess: "open",
        }),
      ],
    });
    return this.app.listen({ host: address.host, port: address.port });
  }

  async close(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }
}
