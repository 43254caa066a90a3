import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { noticeOfficerToken, sendNotice } from "../support/notices.ts";

type Notice = { id: string; envelopeId: string; from: string; to: string; text: string; status: string };

describe("liaison notices between two nodes", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    nodes = await startTwoNodes();
  }, 180_000);
  afterAll(async () => nodes?.close());

  it("delivers a notice end to end with a verified receipt on both sides", async () => {
    const sent = await sendNotice<Notice>(nodes.india, "Precursor shipment alert");
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ from: "IN", to: "CA", text: "Precursor shipment alert" });

    const received = await eventually(async () => {
      const list = await nodes.canada.api<{ items: Notice[] }>("GET", "/api/v1/notices?direction=inbound");
      return list.body.items.find((n) => n.id === sent.body.id);
    });
    expect(received).toMatchObject({
      envelopeId: sent.body.envelopeId,
      from: "IN",
      text: "Precursor shipment alert",
      status: "received",
    });

    const delivered = await eventually(async () => {
      const list = await nodes.india.api<{ items: Notice[] }>("GET", "/api/v1/notices?direction=outbound");
      return list.body.items.find((n) => n.id === sent.body.id && n.status === "delivered");
    });
    expect(delivered.envelopeId).toBe(sent.body.envelopeId);

    const onSender = await nodes.india.api<{ jwe: string; receipt: string }>(
      "GET",
      `/api/v1/federation/envelopes/${sent.body.envelopeId}`,
    );
    const onReceiver = await nodes.canada.api<{ jwe: string; receipt: string }>(
      "GET",
      `/api/v1/federation/envelopes/${sent.body.envelopeId}`,
    );
    expect(onSender.body.jwe).toBe(onReceiver.body.jwe);
    expect(onSender.body.receipt).toBe(onReceiver.body.receipt);
    expect(onSender.body.receipt.split(".")).toHaveLength(3);
  });

  it("carries any text intact: quotes, backslashes, braces, commas, NULL, non-Latin scripts", async () => {
    const texts = ['He said "NULL", {a,b} \\ c', "NULL", "भारत–Canada: 𝛼 ✓ \n new line", "'single' , \"double\""];
    const sent = await Promise.all(texts.map((text) => sendNotice<Notice>(nodes.india, text)));
    expect(sent.map((r) => r.status)).toEqual(texts.map(() => 201));
    const ids = new Set(sent.map((r) => r.body.id));
    const received = await eventually(async () => {
      const list = await nodes.canada.api<{ items: Notice[] }>("GET", "/api/v1/notices?direction=inbound");
      const ours = list.body.items.filter((n) => ids.has(n.id));
      return ours.length === texts.length ? ours : undefined;
    });
    expect(received.map((n) => n.text).sort()).toEqual([...texts].sort());
    // The inbox keeps the decrypted payload as JSON too: the same text, byte for byte.
    const stored = await nodes.canada.deps.database.db
      .selectFrom("inbox")
      .select(["payload"])
      .where(
        "envelope_id",
        "in",
        sent.map((r) => r.body.envelopeId),
      )
      .execute();
    const bodies = stored.map((row) => (row.payload as { body: { text: string } }).body.text);
    expect(bodies.sort()).toEqual([...texts].sort());
  });

  it("refuses a notice with empty text and stores nothing", async () => {
    const before = await nodes.india.api<{ items: Notice[] }>("GET", "/api/v1/notices");
    const bad = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/notices",
      { to: "CA", text: "   ", legalBases: ["BI-WORKPLAN-2026"] },
      await noticeOfficerToken(nodes.india),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("LIAISON_REQUEST_INVALID");
    const after = await nodes.india.api<{ items: Notice[] }>("GET", "/api/v1/notices");
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it("passes the sender's gate: no legal basis, or no agency, and nothing is stored or sent", async () => {
    const count = async () =>
      Number(
        (
          await nodes.india.deps.database.db
            .selectFrom("notices")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const token = await noticeOfficerToken(nodes.india);
    const noBasis = await nodes.india.api<{ code: string; decision: { reasons: { policy: string }[] } }>(
      "POST",
      "/api/v1/notices",
      { to: "CA", text: "Rahul Example, passport Z1234567, travels Friday" },
      token,
    );
    expect(noBasis.status).toBe(422);
    expect(noBasis.body.code).toBe("LIAISON_NOTICE_COMPLIANCE_REFUSED");
    expect(noBasis.body.decision.reasons.map((r) => r.policy)).toContain("in-legal-basis");
    const admin = await nodes.india.api<{ code: string }>("POST", "/api/v1/notices", {
      to: "CA",
      text: "From the node administrator",
      legalBases: ["BI-WORKPLAN-2026"],
    });
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe("LIAISON_NOTICE_NO_AGENCY");
    expect(await count()).toBe(before);
  });

  it("requires a token", async () => {
    const response = await nodes.india.app.inject({ method: "GET", url: "/api/v1/notices" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(response.json().code).toBe("LIAISON_AUTH_REQUIRED");
  });
});
