import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, freePort, startTestNode, startTwoNodes } from "../support/nodes.ts";
import { sendNotice } from "../support/notices.ts";
import { postBatch } from "./craft.ts";

/** The value of one sample in Prometheus text format, by metric name and the labels it must carry. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(" ").at(-1));
  }
  return undefined;
}

const METRICS_TOKEN = "metrics-token-for-tests-0123456789abcdef";

describe("operations endpoints", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    nodes = await startTwoNodes({ config: { operations: { metricsToken: METRICS_TOKEN } } });
  }, 180_000);
  afterAll(async () => nodes?.close());

  const metrics = async (node: typeof nodes.india) => {
    const response = await node.app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("text/plain");
    return response.body;
  };

  it("answers liveness and readiness", async () => {
    const health = await nodes.india.app.inject({ method: "GET", url: "/healthz" });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: "ok" });
    const ready = await nodes.india.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready" });
  });

  it("keeps /metrics closed on the main listener without a token, and refuses a wrong one", async () => {
    const closed = await startTestNode({ party: "IN", listen: false });
    try {
      const response = await closed.app.inject({ method: "GET", url: "/metrics" });
      expect(response.statusCode).toBe(404);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(response.json().code).toBe("LIAISON_OPS_METRICS_CLOSED");
      expect(response.body).not.toContain("liaison_");
      // Not even the administrator's API token opens it: metrics have their own credential.
      const admin = await closed.app.inject({
        method: "GET",
        url: "/metrics",
        headers: { authorization: `Bearer ${closed.adminToken}` },
      });
      expect(admin.statusCode).toBe(404);
    } finally {
      await closed.close();
    }
    for (const authorization of [
      undefined,
      "Bearer wrong-token-0123456789abcdef0123456789",
      `Bearer ${METRICS_TOKEN}x`,
    ]) {
      const response = await nodes.india.app.inject({
        method: "GET",
        url: "/metrics",
        ...(authorization ? { headers: { authorization } } : {}),
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().code).toBe("LIAISON_OPS_METRICS_TOKEN");
      expect(response.body).not.toContain("liaison_outbox_depth");
    }
  });

  it("serves /metrics without a token on the operations listener, over real HTTP", async () => {
    const port = await freePort();
    const node = await startTestNode({ party: "CA", config: { operations: { listen: { host: "127.0.0.1", port } } } });
    try {
      expect(node.operationsUrl).toBe(`http://127.0.0.1:${port}`);
      const scraped = await fetch(`${node.operationsUrl}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain("liaison_outbox_depth");
      expect((await fetch(`${node.operationsUrl}/readyz`)).status).toBe(200);
      // The operations listener serves nothing else, and the main one still keeps /metrics closed.
      expect((await fetch(`${node.operationsUrl}/api/v1/users`)).status).toBe(404);
      expect((await fetch(`${node.url}/metrics`)).status).toBe(404);
    } finally {
      await node.close();
    }
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it("is not ready when its database is gone", async () => {
    const node = await startTestNode({ party: "IN", listen: false });
    await node.deps.worker.stop();
    await node.deps.database.close();
    const ready = await node.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    // Nothing internal (driver messages, host names, paths) reaches the unauthenticated probe.
    expect(ready.json()).toEqual({ status: "database unavailable" });
    await node.app.close();
    await node.deps.client.close();
  });

  it("exports delivery latency, outbox depth and rejections by code with their values", async () => {
    const sent = await sendNotice(nodes.india, "m1");
    await eventually(async () => {
      const r = await nodes.india.api<{ receipt: string | null }>(
        "GET",
        `/api/v1/federation/envelopes/${sent.body.envelopeId}`,
      );
      return r.body.receipt;
    }, 30_000);
    let india = await metrics(nodes.india);
    expect(sample(india, "liaison_delivery_latency_seconds_count", { peer: "CA" })).toBeGreaterThanOrEqual(1);
    expect(sample(india, "liaison_delivery_latency_seconds_bucket", { peer: "CA", le: "+Inf" })).toBeGreaterThanOrEqual(
      1,
    );
    expect(sample(india, "liaison_envelopes_delivered_total", { peer: "CA" })).toBeGreaterThanOrEqual(1);
    expect(sample(india, "liaison_outbox_depth", { status: "dead" })).toBe(0);
    // Where the time went: each stage of the sender, and of the receiver in Canada.
    for (const stage of ["queued", "claim", "post", "verify", "settle"]) {
      expect(sample(india, "liaison_delivery_stage_seconds_count", { stage })).toBeGreaterThanOrEqual(1);
    }
    const canadaStages = await metrics(nodes.canada);
    for (const stage of ["verify", "store"]) {
      expect(sample(canadaStages, "liaison_inbox_stage_seconds_count", { stage })).toBeGreaterThanOrEqual(1);
    }
    expect(sample(canadaStages, "liaison_audit_drain_seconds_count")).toBeGreaterThanOrEqual(1);
    // And the process itself.
    expect(sample(india, "process_resident_memory_bytes")).toBeGreaterThan(10 * 2 ** 20);
    expect(sample(india, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);

    // With the link down, what is sent waits, and the gauge says how much.
    const real = nodes.canada.deps.federation.descriptor();
    await nodes.india.deps.federation.pinPeer(
      { ...real, baseUrl: `http://127.0.0.1:${await freePort()}` },
      { id: "test" },
    );
    // Sent after the peer moved away, these two cannot be delivered; what was pending before may still leave in
    // a batch claimed before the move, so only these two are certain to be counted.
    for (const text of ["m2", "m3"]) await sendNotice(nodes.india, text);
    india = await metrics(nodes.india);
    expect(sample(india, "liaison_outbox_depth", { status: "pending" })).toBeGreaterThanOrEqual(2);
    await eventually(
      async () =>
        (sample(await metrics(nodes.india), "liaison_delivery_failures_total", {
          code: "LIAISON_FEDERATION_PEER_UNREACHABLE",
        }) ?? 0) >= 1,
      30_000,
    );
    await nodes.india.deps.federation.pinPeer(real, { id: "test" });

    const rejectedBefore =
      sample(await metrics(nodes.canada), "liaison_envelopes_rejected_total", {
        code: "LIAISON_FEDERATION_ENVELOPE_MALFORMED",
      }) ?? 0;
    await postBatch(nodes.canada, { envelopes: ["bad", "worse"] });
    const canada = await metrics(nodes.canada);
    expect(sample(canada, "liaison_envelopes_rejected_total", { code: "LIAISON_FEDERATION_ENVELOPE_MALFORMED" })).toBe(
      rejectedBefore + 2,
    );
    expect(
      sample(canada, "liaison_envelopes_received_total", { peer: "IN", type: "notice.sent" }),
    ).toBeGreaterThanOrEqual(1);
  });
});
