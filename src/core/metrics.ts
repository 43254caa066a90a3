import type { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * What modules measure, as an interface: federation and audit record into it and register their own series on
 * `registry`, and only the node (src/node/metrics.ts) decides how the series are made. A module imports this,
 * never the node's class, so the dependency points from the node to the modules and not back.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly deliveryLatency: Histogram<"peer">;
  readonly envelopesDelivered: Counter<"peer">;
  readonly deliveryFailures: Counter<"peer" | "code">;
  readonly envelopesReceived: Counter<"peer" | "type">;
  readonly envelopesRejected: Counter<"code">;
  readonly inboxUnauthenticatedRejections: Counter<"code">;
  readonly inboxRateLimited: Counter;
  readonly outboxDepth: Gauge<"status">;
  readonly deliveryStage: Histogram<"stage">;
  readonly inboxStage: Histogram<"stage">;
  readonly auditDrain: Histogram;
}
