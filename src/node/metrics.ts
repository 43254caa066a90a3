import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics } from "../core/metrics.ts";

/**
 * Prometheus metrics of one node. Each node has its own registry (tests run two nodes in one process), and
 * modules register what they measure here rather than on prom-client's global registry.
 */
export function createMetrics(party: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ party });
  // Process metrics: resident memory, heap, event-loop delay, garbage collection.
  collectDefaultMetrics({ register: registry });
  const deliveryLatency = new Histogram({
    name: "liaison_delivery_latency_seconds",
    help: "Time from an envelope entering the outbox to its receipt being stored",
    labelNames: ["peer"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const envelopesDelivered = new Counter({
    name: "liaison_envelopes_delivered_total",
    help: "Envelopes delivered with a verified receipt",
    labelNames: ["peer"],
    registers: [registry],
  });
  const deliveryFailures = new Counter({
    name: "liaison_delivery_failures_total",
    help: "Failed delivery attempts by error code",
    labelNames: ["peer", "code"],
    registers: [registry],
  });
  const envelopesReceived = new Counter({
    name: "liaison_envelopes_received_total",
    help: "Envelopes accepted from peers",
    labelNames: ["peer", "type"],
    registers: [registry],
  });
  const envelopesRejected = new Counter({
    name: "liaison_envelopes_rejected_total",
    help: "Inbound envelopes rejected, by error code",
    labelNames: ["code"],
    registers: [registry],
  });
  // Labels from a fixed set of codes (inbox.rejections.ts): a stranger can choose how many, never what.
  const inboxUnauthenticatedRejections = new Counter({
    name: "liaison_inbox_unauthenticated_rejections_total",
    help: "Inbound envelopes refused before any pinned key's signature verified, by error code (or other)",
    labelNames: ["code"],
    registers: [registry],
  });
  const inboxRateLimited = new Counter({
    name: "liaison_inbox_rate_limited_total",
    help: "Inbox requests refused by the per-address limit of unauthenticated traffic",
    registers: [registry],
  });
  const outboxDepth = new Gauge({
    name: "liaison_outbox_depth",
    help: "Outbox rows by status (pending, dead)",
    labelNames: ["status"],
    registers: [registry],
  });
  // Where delivery time goes, so an operator (and the benchmark) can tell a slow peer from a slow database.
  const stageBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
  const deliveryStage = new Histogram({
    name: "liaison_delivery_stage_seconds",
    help: "Sender's delivery stages: queued (outbox to claim), claim, post (peer round trip), verify (receipts), settle",
    labelNames: ["stage"],
    buckets: stageBuckets,
    registers: [registry],
  });
  const inboxStage = new Histogram({
    name: "liaison_inbox_stage_seconds",
    help: "Receiver's stages per batch: verify (decrypt, verify, sign receipts), store (transaction with the handlers)",
    labelNames: ["stage"],
    buckets: stageBuckets,
    registers: [registry],
  });
  const auditDrain = new Histogram({
    name: "liaison_audit_drain_seconds",
    help: "Duration of one sequencing drain: queued audit records of many changes become leaves of the log",
    buckets: stageBuckets,
    registers: [registry],
  });
  return {
    registry,
    deliveryLatency,
    envelopesDelivered,
    deliveryFailures,
    envelopesReceived,
    envelopesRejected,
    inboxUnauthenticatedRejections,
    inboxRateLimited,
    outboxDepth,
    deliveryStage,
    inboxStage,
    auditDrain,
  };
}
