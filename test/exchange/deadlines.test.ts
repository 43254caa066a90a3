import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { type Actor, actor, newThread, type Thread } from "./helpers.ts";

type Notification = { threadId: string; kind: string; recipient: string };

describe("exchange deadlines with an injected clock", () => {
  const clock = new ManualClock("2026-03-02T09:00:00Z");
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let inOfficer: Actor;
  let caOfficer: Actor;
  let caAnalyst: Actor;
  beforeAll(async () => {
    // Sessions follow the same clock: keep them alive across the hours this test jumps.
    nodes = await startTwoNodes({
      clock,
      config: { identity: { sessionIdleSeconds: 7 * 86_400, sessionTtlSeconds: 7 * 86_400 } },
    });
    inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    caOfficer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
    caAnalyst = await actor(nodes.canada, "analyst", "ca-rcmp");
  }, 120_000);
  afterAll(async () => nodes?.close());

  const notificationsOf = async (a: Actor, threadId: string) =>
    (await nodes.canada.api<{ items: Notification[] }>("GET", "/api/v1/notifications", undefined, a.token)).body.items
      .filter((n) => n.threadId === threadId)
      .map((n) => n.kind)
      .sort();

  it("reminds at 50% and 90%, notifies a breach, each once, to the assignee and the liaison officers", async () => {
    const sent = await nodes.india.api<Thread>(
      "POST",
      "/api/v1/threads",
      newThread({}, { priority: "urgent" }),
      inOfficer.token,
    );
    expect(sent.status).toBe(201);
    const received = await eventually(async () => {
      const r = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${sent.body.id}`, undefined, caOfficer.token);
      return r.status === 200 && r.body;
    });
    // The clock starts at receipt: urgent means acknowledge within 1 h and respond within 8 h (handling.json).
    expect(received.deadlines.acknowledgeBy).toBe("2026-03-02T10:00:00.000Z");
    expect(received.deadlines.respondBy).toBe("2026-03-02T17:00:00.000Z");
    await nodes.canada.api(
      "POST",
      `/api/v1/threads/${sent.body.id}/assign`,
      { agency: "ca-rcmp", assignee: caAnalyst.id },
      caOfficer.token,
    );
    const sweeper = nodes.canada.deps.exchange.sweeper;
    await sweeper.sweep();
    expect(await notificationsOf(caOfficer, sent.body.id)).toEqual([]);

    clock.advance(30 * 60_000);
    expect(await sweeper.sweep()).toBe(2);
    expect(await sweeper.sweep()).toBe(0);
    expect(await notificationsOf(caOfficer, sent.body.id)).toEqual(["acknowledge-50"]);
    expect(await notificationsOf(caAnalyst, sent.body.id)).toContain("acknowledge-50");

    clock.advance(25 * 60_000);
    await sweeper.sweep();
    clock.advance(10 * 60_000);
    await sweeper.sweep();
    await sweeper.sweep();
    expect(await notificationsOf(caOfficer, sent.body.id)).toEqual([
      "acknowledge-50",
      "acknowledge-90",
      "acknowledge-breach",
    ]);

    // Acknowledging stops that clock; the respond clock goes on (4 h is 50% of 8 h).
    const ack = await nodes.canada.api(
      "POST",
      `/api/v1/threads/${sent.body.id}/messages`,
      { kind: "acknowledgement" },
      caAnalyst.token,
    );
    expect(ack.status).toBe(201);
    clock.set("2026-03-02T13:00:00Z");
    await sweeper.sweep();
    expect(await notificationsOf(caOfficer, sent.body.id)).toEqual([
      "acknowledge-50",
      "acknowledge-90",
      "acknowledge-breach",
      "respond-50",
    ]);
  });

  it("lists threads by time left", async () => {
    const routine = await nodes.india.api<Thread>(
      "POST",
      "/api/v1/threads",
      newThread({}, { priority: "routine" }),
      inOfficer.token,
    );
    const urgent = await nodes.india.api<Thread>(
      "POST",
      "/api/v1/threads",
      newThread({}, { priority: "urgent" }),
      inOfficer.token,
    );
    const list = await nodes.india.api<{ items: Thread[] }>(
      "GET",
      "/api/v1/threads?direction=outbound",
      undefined,
      inOfficer.token,
    );
    const ids = list.body.items.map((t) => t.id);
    expect(ids.indexOf(urgent.body.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(urgent.body.id)).toBeLessThan(ids.indexOf(routine.body.id));
  });
});
