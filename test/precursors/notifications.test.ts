import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import {
  type Authorities,
  authorities,
  countPrecursorRows,
  type Detail,
  detailOn,
  NPP,
  notification,
  type Problem,
  step,
  until,
} from "./helpers.ts";

describe("pre-export notifications between two nodes", () => {
  const clock = new ManualClock("2026-12-02T09:00:00Z");
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let who: Authorities;
  beforeAll(async () => {
    // Sessions follow the same clock: keep them alive across the days this test jumps.
    nodes = await startTwoNodes({
      clock,
      config: { identity: { sessionIdleSeconds: 30 * 86_400, sessionTtlSeconds: 30 * 86_400 } },
    });
    who = await authorities(nodes.india, nodes.canada);
  }, 180_000);
  afterAll(async () => nodes?.close());

  const send = (body: Record<string, unknown>) =>
    nodes.india.api<Detail & Problem>("POST", "/api/v1/precursors/notifications", body, who.ncb.token);

  it("sends, the importer answers no-objection, and both nodes show the same history", async () => {
    const sent = await send(notification(clock));
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ direction: "outbound", status: "awaiting-reply", version: 1 });
    expect(sent.body.content.substance.name).toBe("N-Phenethyl-4-piperidone");
    const received = await until(nodes.canada, who.hc, sent.body.id, () => true);
    expect(received).toMatchObject({ direction: "inbound", status: "awaiting-reply", version: 1 });

    const list = await nodes.canada.api<{ items: { id: string }[] }>(
      "GET",
      `/api/v1/precursors/notifications?direction=inbound&cas=${NPP}&status=awaiting-reply`,
      undefined,
      who.cbsa.token,
    );
    expect(list.body.items.map((n) => n.id)).toContain(sent.body.id);

    const answered = await step(nodes.canada, who.hc, sent.body.id, "reply", { reply: "no-objection", version: 1 });
    expect(answered.status).toBe(200);
    expect(answered.body.status).toBe("no-objection");
    const onIndia = await until(nodes.india, who.ncb, sent.body.id, (d) => d.status === "no-objection");
    const onCanada = (await detailOn(nodes.canada, who.hc, sent.body.id)).body;
    expect(onIndia.history.map((e) => e.type)).toEqual(["sent", "replied"]);
    expect(onIndia.history).toEqual(onCanada.history);
  });

  it("records an objection with its reason; an objection without one is refused", async () => {
    const sent = await send(notification(clock));
    await until(nodes.canada, who.cbsa, sent.body.id, () => true);
    const bare = await step(nodes.canada, who.cbsa, sent.body.id, "reply", { reply: "objection", version: 1 });
    expect(bare.status).toBe(400);
    expect(bare.body.code).toBe("LIAISON_REQUEST_INVALID");
    const objected = await step(nodes.canada, who.cbsa, sent.body.id, "reply", {
      reply: "objection",
      version: 1,
      reason: "The importer holds no Class A precursor licence.",
    });
    expect(objected.status).toBe(200);
    const onIndia = await until(nodes.india, who.ncb, sent.body.id, (d) => d.status === "objection");
    expect(onIndia.history.at(-1)?.details).toMatchObject({
      reply: "objection",
      reason: "The importer holds no Class A precursor licence.",
    });
  });

  it("refuses a bad CAS number, and one not catalogued, with nothing stored or sent", async () => {
    const before = { india: await countPrecursorRows(nodes.india), canada: await countPrecursorRows(nodes.canada) };
    const badDigit = await send(notification(clock, { substance: { cas: "39742-60-5" } }));
    expect(badDigit.status).toBe(400);
    expect(badDigit.body.code).toBe("LIAISON_PRECURSORS_BAD_CAS");
    const unlisted = await send(notification(clock, { substance: { cas: "64-17-5" } }));
    expect(unlisted.status).toBe(400);
    expect(unlisted.body.code).toBe("LIAISON_PRECURSORS_NOT_CATALOGUED");
    expect(await countPrecursorRows(nodes.india)).toEqual(before.india);
    expect(await countPrecursorRows(nodes.canada)).toEqual(before.canada);
  });

  it("reads no-reply after the deadline on both nodes, records it once, tells the exporter, refuses a late answer", async () => {
    const sent = await send(
      notification(clock, { replyBy: new Date(clock.now().getTime() + 3_600_000).toISOString() }),
    );
    await until(nodes.canada, who.hc, sent.body.id, () => true);
    clock.advance(2 * 3_600_000);
    // Read time says no-reply before any sweep: silence is never consent.
    expect((await detailOn(nodes.india, who.ncb, sent.body.id)).body.status).toBe("no-reply");
    expect((await detailOn(nodes.canada, who.hc, sent.body.id)).body.status).toBe("no-reply");
    const late = await step(nodes.canada, who.hc, sent.body.id, "reply", { reply: "no-objection", version: 1 });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("LIAISON_PRECURSORS_REPLY_CLOSED");
    for (const node of [nodes.india, nodes.canada]) {
      const first = await node.deps.precursors.sweeper.sweep();
      expect(first.noReplies).toBeGreaterThanOrEqual(1);
      expect(await node.deps.precursors.sweeper.sweep()).toEqual({ reminders: 0, noReplies: 0 });
    }
    const onIndia = (await detailOn(nodes.india, who.ncb, sent.body.id)).body;
    const onCanada = (await detailOn(nodes.canada, who.hc, sent.body.id)).body;
    expect(onIndia.history.map((e) => e.type)).toEqual(["sent", "no-reply"]);
    expect(onIndia.history).toEqual(onCanada.history);
    const reminders = await nodes.india.api<{ items: { notificationId: string; kind: string }[] }>(
      "GET",
      "/api/v1/precursors/reminders",
      undefined,
      who.ncb.token,
    );
    expect(reminders.body.items.filter((r) => r.notificationId === sent.body.id).map((r) => r.kind)).toEqual([
      "no-reply:v1",
    ]);
  });

  it("an amendment restarts the clock, and a reply to the old version is refused", async () => {
    const sent = await send(notification(clock));
    await until(nodes.canada, who.hc, sent.body.id, () => true);
    const { to, ...rest } = notification(clock, { quantity: { amount: "30", unit: "kg" } });
    void to;
    const newReplyBy = new Date(clock.now().getTime() + 10 * 86_400_000).toISOString();
    const amended = await step(nodes.india, who.ncb, sent.body.id, "amend", {
      ...rest,
      replyBy: newReplyBy,
      reason: "Quantity raised by the buyer.",
    });
    expect(amended.status).toBe(200);
    expect(amended.body).toMatchObject({ version: 2, status: "awaiting-reply", replyBy: newReplyBy });
    await until(nodes.canada, who.hc, sent.body.id, (d) => d.version === 2);
    const stale = await step(nodes.canada, who.hc, sent.body.id, "reply", { reply: "no-objection", version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe("LIAISON_PRECURSORS_STALE_VERSION");
    const fresh = await step(nodes.canada, who.hc, sent.body.id, "reply", { reply: "no-objection", version: 2 });
    expect(fresh.status).toBe(200);
    const onIndia = await until(nodes.india, who.ncb, sent.body.id, (d) => d.status === "no-objection");
    expect(onIndia.content.quantity).toEqual({ amount: "30", unit: "kg" });
    expect(onIndia.history).toEqual((await detailOn(nodes.canada, who.hc, sent.body.id)).body.history);
  });

  it("records the shipment from either side, and refuses a step that cannot follow", async () => {
    const sent = await send(notification(clock));
    await until(nodes.canada, who.hc, sent.body.id, () => true);
    const dispatched = await step(nodes.india, who.ncb, sent.body.id, "shipment", { state: "dispatched" });
    expect(dispatched.body.shipment).toBe("dispatched");
    await until(nodes.canada, who.cbsa, sent.body.id, (d) => d.shipment === "dispatched");
    const seized = await step(nodes.canada, who.cbsa, sent.body.id, "shipment", {
      state: "seized",
      place: "Port of Vancouver",
    });
    expect(seized.body.shipment).toBe("seized");
    await until(nodes.india, who.ncb, sent.body.id, (d) => d.shipment === "seized");
    const withdraw = await step(nodes.india, who.ncb, sent.body.id, "withdraw", { reason: "too late" });
    expect(withdraw.status).toBe(409);
    expect(withdraw.body.code).toBe("LIAISON_PRECURSORS_ALREADY_DISPATCHED");
  });

  it("refuses agencies that are not the competent authority, and audits it", async () => {
    const before = await countPrecursorRows(nodes.canada);
    const refused = await nodes.canada.api<Problem>(
      "POST",
      "/api/v1/precursors/notifications",
      { ...notification(clock), to: "IN" },
      who.rcmp.token,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("LIAISON_POLICY_DENIED");
    const list = await nodes.canada.api<Problem>("GET", "/api/v1/precursors/notifications", undefined, who.rcmp.token);
    expect(list.status).toBe(403);
    expect(await countPrecursorRows(nodes.canada)).toEqual(before);
    await eventually(async () => {
      await nodes.canada.deps.audit.sequenceQueued();
      const denied = await nodes.canada.deps.database.db
        .selectFrom("audit_leaves")
        .select("action")
        .where("actor", "=", who.rcmp.id)
        .where("outcome", "=", "denied")
        .execute();
      return denied.some((d) => d.action === "precursor.send") && denied.some((d) => d.action === "precursor.read");
    });
  });
});
