import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of one node. Each node has its own registry (tests run two nodes in one process), and
 * modules register what they measure here rather than on prom-client's global registry.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly deliveryLatency: Histogram<"peer">;
  readonly envelopesDelivered: Counter<"peer">;
  readonly deliveryFailures: Counter<"peer" | "code">;
  readonly envelopesReceived: Counter<"peer" | "type">;
  readonly envelopesRejected: Counter<"code">;
  readonly outboxDepth: Gauge<"status">;

  constructor(party: string) {
    this.registry.setDefaultLabels({ party });
    this.deliveryLatency = new Histogram({
      name: "liaison_delivery_latency_seconds",
      help: "Time from an envelope entering the outbox to its receipt being stored",
      labelNames: ["peer"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [this.registry],
    });
    this.envelopesDelivered = new Counter({
      name: "liaison_envelopes_delivered_total",
      help: "Envelopes delivered with a verified receipt",
      labelNames: ["peer"],
      registers: [this.registry],
    });
    this.deliveryFailures = new Counter({
      name: "liaison_delivery_failures_total",
      help: "Failed delivery attempts by error code",
      labelNames: ["peer", "code"],
      registers: [this.registry],
    });
    this.envelopesReceived = new Counter({
      name: "liaison_envelopes_received_total",
      help: "Envelopes accepted from peers",
      labelNames: ["peer", "type"],
      registers: [this.registry],
    });
    this.envelopesRejected = new Counter({
      name: "liaison_envelopes_rejected_total",
      help: "Inbound envelopes rejected, by error code",
      labelNames: ["code"],
      registers: [this.registry],
    });
    this.outboxDepth = new Gauge({
      name: "liaison_outbox_depth",
      help: "Outbox rows by status (pending, dead)",
      labelNames: ["status"],
      registers: [this.registry],
    });
  }
}
