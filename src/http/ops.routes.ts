import type { Db } from "../db/database.ts";
import { migrationsApplied, type SqlMigrations } from "../db/migrate.ts";
import { outboxDepth } from "../modules/federation/outbox.repository.ts";
import type { Metrics } from "../node/metrics.ts";
import type { App } from "./app.ts";

/** Liveness, readiness and Prometheus metrics: unauthenticated, for the operator's probes and scraper. */
export function opsRoutes(deps: { db: Db; migrations: SqlMigrations; metrics: Metrics }) {
  return (app: App) => {
    app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
    app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
      try {
        const ready = await migrationsApplied(deps.db, deps.migrations);
        if (!ready) return reply.status(503).send({ status: "migrating" });
        return { status: "ready" };
      } catch (error) {
        return reply.status(503).send({ status: "database unavailable", detail: (error as Error).message });
      }
    });
    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      const depth = await outboxDepth(deps.db);
      deps.metrics.outboxDepth.set({ status: "pending" }, depth.pending);
      deps.metrics.outboxDepth.set({ status: "dead" }, depth.dead);
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });
  };
}
