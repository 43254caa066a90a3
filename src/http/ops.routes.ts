import { createHash, timingSafeEqual } from "node:crypto";
import { LiaisonError, notFound, unauthorized } from "../core/errors.ts";
import type { Metrics } from "../core/metrics.ts";
import type { Db } from "../db/database.ts";
import { migrationsApplied, type SqlMigrations } from "../db/migrate.ts";
import { outboxDepth } from "../modules/federation/outbox.repository.ts";
import type { App } from "./app.ts";

export interface OpsRoutesOptions {
  db: Db;
  migrations: SqlMigrations;
  metrics: Metrics;
  /**
   * Who may read /metrics here: "open" on the operations listener (reachable only where the operator put it),
   * a bearer token on the main listener, or "closed" (the main listener's default: the figures say how busy
   * the node is, with whom, and what it refuses, which is nothing to tell a stranger).
   */
  metricsAccess: "open" | "closed" | { token: string };
}

const sha256 = (value: string) => createHash("sha256").update(value).digest();

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
  return given !== undefined && timingSafeEqual(sha256(given), sha256(token));
}

/** Liveness and readiness (unauthenticated, for the operator's probes) and Prometheus metrics. */
export function opsRoutes(deps: OpsRoutesOptions) {
  return (app: App) => {
    app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
    app.get("/readyz", { schema: { hide: true } }, async (request, reply) => {
      try {
        const ready = await migrationsApplied(deps.db, deps.migrations);
        if (!ready) return reply.status(503).send({ status: "migrating" });
        return { status: "ready" };
      } catch (error) {
        // The probe is unauthenticated: the reason (host names, user names, paths) goes to the log only.
        request.log.warn({ err: error }, "readiness probe: database unavailable");
        return reply.status(503).send({ status: "database unavailable" });
      }
    });
    app.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
      const access = deps.metricsAccess;
      if (access === "closed") {
        throw notFound(
          "LIAISON_OPS_METRICS_CLOSED",
          "metrics are not served on this listener: configure operations.listen or operations.metricsToken",
        );
      }
      if (access !== "open" && !tokenMatches(request.headers.authorization, access.token)) {
        throw unauthorized("LIAISON_OPS_METRICS_TOKEN", "/metrics needs Authorization: Bearer <the metrics token>");
      }
      const depth = await outboxDepth(deps.db);
      deps.metrics.outboxDepth.set({ status: "pending" }, depth.pending);
      deps.metrics.outboxDepth.set({ status: "dead" }, depth.dead);
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });
  };
}

/** Reads the metrics token from the config (inline or from a file); a short or unreadable one stops the node. */
export function metricsTokenOf(
  operations: { metricsToken?: string | undefined; metricsTokenFile?: string | undefined },
  read: (file: string) => string,
): string | undefined {
  if (operations.metricsToken) return operations.metricsToken;
  if (!operations.metricsTokenFile) return undefined;
  let token: string;
  try {
    token = (read(operations.metricsTokenFile).split("\n")[0] ?? "").trim();
  } catch (error) {
    throw new LiaisonError(
      "LIAISON_CONFIG_UNREADABLE",
      500,
      `cannot read operations.metricsTokenFile ${operations.metricsTokenFile}: ${(error as Error).message}`,
    );
  }
  if (token.length < 32) {
    throw new LiaisonError("LIAISON_CONFIG_INVALID", 500, "the metrics token must have at least 32 characters");
  }
  return token;
}
