import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { eventually, startTwoNodes, type TestNode } from "../support/nodes.ts";

const HOUR = 3_600_000;
type Alerts = { items: { peer: string; kind: string }[] };
type Events = { items: { action: string; subject: string; details: Record<string, unknown> }[] };

async function record(node: TestNode, count: number) {
  await node.deps.changes.run(async (change) => {
    for (let i = 0; i < count; i++)
      change.audit({ actor: "tester", action: "test.overdue", subject: `o${i}`, outcome: "ok" });
  });
}

const gauge = async (node: TestNode, name: string) =>
  (await node.deps.metrics.registry.getSingleMetricAsString(name)).split("\n").find((l) => l.includes('peer="CA"'));

describe("a node alerts when its heads go uncountersigned for longer than the age", () => {
  const clock = new ManualClock(new Date());
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    nodes = await startTwoNodes({ clock });
  }, 600_000);
  afterAll(async () => nodes?.close());

  it("one alert per episode (metric, log, audit record), one record when it recovers", async () => {
    const { india } = nodes;
    const watch = india.deps.countersignWatch;
    await india.deps.worker.stop();
    await record(india, 3);
    await india.deps.audit.publishTreeHead();
    clock.advance(30 * 60_000);
    expect((await watch.check()).find((s) => s.peer === "CA")).toMatchObject({ overdue: false, recorded: null });
    expect(await gauge(india, "liaison_audit_countersignature_overdue")).toMatch(/ 0$/);

    clock.advance(HOUR);
    expect((await watch.check()).find((s) => s.peer === "CA")).toMatchObject({ overdue: true, recorded: "alert" });
    // The same episode: nothing more is recorded, however often it is checked.
    expect((await watch.check()).find((s) => s.peer === "CA")?.recorded).toBeNull();
    expect((await watch.check()).find((s) => s.peer === "CA")?.recorded).toBeNull();
    expect(await gauge(india, "liaison_audit_countersignature_overdue")).toMatch(/ 1$/);
    const counted = await india.deps.metrics.registry.getSingleMetricAsString("liaison_audit_alerts_total");
    expect(counted).toMatch(/kind="countersignature-overdue"[^\n]* 1/);
    const alerts = await india.api<Alerts>("GET", "/api/v1/audit/alerts");
    expect(alerts.body.items.filter((a) => a.kind === "countersignature-overdue")).toHaveLength(1);
    const leaves = await india.api<Events>("GET", "/api/v1/audit/events?action=audit.alert");
    expect(leaves.body.items.filter((e) => e.details.kind === "countersignature-overdue")).toHaveLength(1);

    // Deliveries resume; the peer countersigns; one recovery record.
    india.deps.worker.start();
    await india.deps.audit.publishTreeHead();
    const recovered = await eventually(async () => {
      const state = (await watch.check()).find((s) => s.peer === "CA");
      return state && !state.overdue ? state : undefined;
    }, 120_000);
    expect(recovered.recorded).toBe("recovered");
    expect((await watch.check()).find((s) => s.peer === "CA")?.recorded).toBeNull();
    expect(await gauge(india, "liaison_audit_countersignature_overdue")).toMatch(/ 0$/);
    const recoveries = await india.api<Events>("GET", "/api/v1/audit/events?action=audit.countersignature.recovered");
    expect(recoveries.body.items).toHaveLength(1);
    expect(recoveries.body.items[0]?.subject).toBe("CA");
  }, 900_000);
});
