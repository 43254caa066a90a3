import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { type Actor, actor, allowedMessage, type Message, newThread, type Thread } from "./helpers.ts";

describe("exchange between two nodes", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let inOfficer: Actor;
  let caOfficer: Actor;
  let caAnalyst: Actor;
  beforeAll(async () => {
    nodes = await startTwoNodes();
    inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    caOfficer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
    caAnalyst = await actor(nodes.canada, "analyst", "ca-cbsa");
  }, 120_000);
  afterAll(async () => nodes?.close());

  const inbound = (id: string, token: string) =>
    eventually(async () => {
      const r = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${id}`, undefined, token);
      return r.status === 200 && r.body;
    });

  async function openThread(message: Record<string, unknown> = {}) {
    const created = await nodes.india.api<Thread>("POST", "/api/v1/threads", newThread({}, message), inOfficer.token);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  it("delivers a request: same thread id on both nodes, deadlines from the priority, inbox listing", async () => {
    const sent = await openThread();
    expect(sent.messages[0]).toMatchObject({ kind: "request", status: "sent" });
    const received = await inbound(sent.id, caOfficer.token);
    expect(received.id).toBe(sent.id);
    expect(received.messages[0]?.text).toContain("NPP");
    const ack = new Date(received.deadlines.acknowledgeBy ?? 0).getTime();
    const respond = new Date(received.deadlines.respondBy ?? 0).getTime();
    expect(respond - ack).toBe(3 * 86_400_000 - 8 * 3_600_000);
    const list = await nodes.canada.api<{ items: Thread[] }>(
      "GET",
      "/api/v1/threads?direction=inbound",
      undefined,
      caOfficer.token,
    );
    expect(list.body.items.find((t) => t.id === sent.id)).toMatchObject({ lane: "drugs", priority: "high" });
    const outbound = await eventually(async () => {
      const r = await nodes.india.api<Thread>("GET", `/api/v1/threads/${sent.id}`, undefined, inOfficer.token);
      return r.body.messages[0]?.status === "delivered" && r.body;
    });
    expect(outbound.direction).toBe("outbound");
  });

  it("a full response on an inbound thread goes to the requesting agency without naming it", async () => {
    const sent = await openThread();
    await inbound(sent.id, caOfficer.token);
    const answer = await nodes.canada.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      allowedMessage({
        kind: "response",
        responseType: "full",
        text: "The consignee is a registered importer; no seizure.",
        legalBases: ["CA-PA-8-2-f"],
      }),
      caOfficer.token,
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.status).not.toBe("blocked");
    const onIndia = await eventually(async () => {
      const r = await nodes.india.api<Thread>("GET", `/api/v1/threads/${sent.id}`, undefined, inOfficer.token);
      return r.body.messages.some((m) => m.kind === "response") && r.body;
    });
    expect(onIndia.messages.find((m) => m.kind === "response")?.text).toContain("registered importer");
  });

  it("triage, acknowledgement and a refusal response stop the clocks on both sides", async () => {
    // TLP:GREEN: routing it to another agency than the one it was addressed to is not an onward disclosure.
    const sent = await openThread({ priority: "urgent", tlp: "TLP:GREEN" });
    await inbound(sent.id, caOfficer.token);
    const untriaged = async () =>
      (
        await nodes.canada.api<{ items: Thread[] }>(
          "GET",
          "/api/v1/threads?direction=inbound&unassigned=true&limit=500",
          undefined,
          caOfficer.token,
        )
      ).body.items.some((t) => t.id === sent.id);
    expect(await untriaged()).toBe(true);
    const assigned = await nodes.canada.api<Thread>(
      "POST",
      `/api/v1/threads/${sent.id}/assign`,
      { agency: "ca-cbsa", assignee: caAnalyst.id },
      caOfficer.token,
    );
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(assigned.body).toMatchObject({ assignedAgency: "ca-cbsa", assignee: caAnalyst.id });
    expect(await untriaged()).toBe(false);
    const ack = await nodes.canada.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      { kind: "acknowledgement" },
      caAnalyst.token,
    );
    expect(ack.status, JSON.stringify(ack.body)).toBe(201);
    const refusal = await nodes.canada.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      { kind: "response", responseType: "refusal", refusalCode: "outside-mandate" },
      caAnalyst.token,
    );
    expect(refusal.status, JSON.stringify(refusal.body)).toBe(201);
    const onIndia = await eventually(async () => {
      const r = await nodes.india.api<Thread>("GET", `/api/v1/threads/${sent.id}`, undefined, inOfficer.token);
      return r.body.messages.length === 3 && r.body;
    });
    expect(onIndia.deadlines.acknowledgedAt).not.toBeNull();
    expect(onIndia.deadlines.respondedAt).not.toBeNull();
    expect(onIndia.messages.map((m) => m.kind)).toEqual(["request", "acknowledgement", "response"]);
    expect(onIndia.messages[2]).toMatchObject({ responseType: "refusal", refusalCode: "outside-mandate" });
    type Stats = {
      items: {
        lane: string;
        priority: string;
        requests: { sent: number; received: number };
        acknowledgeSeconds: { median: number | null };
        refusals: { code: string; count: number }[];
      }[];
    };
    const stats = await nodes.canada.api<Stats>("GET", "/api/v1/exchange/stats", undefined, caOfficer.token);
    const urgentDrugs = stats.body.items.find((i) => i.lane === "drugs" && i.priority === "urgent");
    expect(urgentDrugs?.requests.received).toBeGreaterThanOrEqual(1);
    expect(urgentDrugs?.acknowledgeSeconds.median).not.toBeNull();
    expect(urgentDrugs?.refusals).toContainEqual({ code: "outside-mandate", count: 1 });
  });

  it("carries disclosures and alerts with entities and an attachment, checked by digest", async () => {
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
    const sent = await openThread({
      kind: "alert",
      // A phone number is personal data (issue 13): India's pack wants its DPDP basis and a stated purpose.
      legalBases: ["BI-WORKPLAN-2026", "IN-DPDP-17-1-c"],
      purposeCode: "precursor-diversion",
      purpose: "Trace the buyer of a diverted NPP consignment",
      entities: [
        { type: "phone", number: "+14165550199" },
        { type: "chemical", cas: "39742-60-4", name: "NPP" },
        { type: "vessel", name: "MV Example", imo: "IMO 9074729" },
      ],
      attachments: [{ name: "manifest.pdf", contentType: "application/pdf", content: pdf.toString("base64") }],
    });
    const received = await inbound(sent.id, caOfficer.token);
    const message = received.messages[0] as Message;
    expect(message.kind).toBe("alert");
    expect(message.entities).toHaveLength(3);
    expect(message.attachments?.[0]?.size).toBe(pdf.length);
    const download = await nodes.canada.app.inject({
      method: "GET",
      url: `/api/v1/attachments/${message.attachments?.[0]?.id}`,
      headers: { authorization: `Bearer ${caOfficer.token}` },
    });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(pdf)).toBe(true);
    // At rest the bytes are ciphertext.
    const stored = await nodes.canada.deps.database.db
      .selectFrom("exchange_attachments")
      .select("ciphertext")
      .where("id", "=", message.attachments?.[0]?.id as string)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.ciphertext).includes(Buffer.from("%PDF"))).toBe(false);
    // Near the limit: ~300 KiB seals to under the peer's 1 MiB envelope limit and arrives intact.
    const big = Buffer.alloc(300 * 1024, 99);
    const bigSent = await nodes.india.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      allowedMessage({
        kind: "disclosure",
        attachments: [{ name: "ledger.csv", contentType: "text/csv", content: big.toString("base64") }],
      }),
      inOfficer.token,
    );
    expect(bigSent.status, JSON.stringify(bigSent.body)).toBe(201);
    const bigReceived = await eventually(async () => {
      const view = await inbound(sent.id, caOfficer.token);
      return view.messages.find((m) => m.id === bigSent.body.id);
    });
    expect(bigReceived.attachments?.[0]?.size).toBe(big.length);
    const disclosure = await nodes.india.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      allowedMessage({ kind: "disclosure", text: "Follow-up: second consignment expected." }),
      inOfficer.token,
    );
    expect(disclosure.status, JSON.stringify(disclosure.body)).toBe(201);
    await eventually(async () => (await inbound(sent.id, caOfficer.token)).messages.length === 3);
  });

  it("withdrawal: the receiver hides the message and confirms; the originator sees the confirmation", async () => {
    const sent = await openThread({ kind: "disclosure", text: "Withdrawable secret content about Acme Logistics." });
    await inbound(sent.id, caOfficer.token);
    const original = sent.messages[0] as Message;
    const withdrawal = await nodes.india.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      { kind: "withdrawal", refersTo: original.id },
      inOfficer.token,
    );
    expect(withdrawal.status, JSON.stringify(withdrawal.body)).toBe(201);
    const confirmed = await eventually(async () => {
      const r = await nodes.india.api<Thread>("GET", `/api/v1/threads/${sent.id}`, undefined, inOfficer.token);
      const m = r.body.messages.find((x) => x.id === original.id);
      return m?.withdrawalConfirmedAt ? m : undefined;
    });
    expect(confirmed.status).toBe("withdrawn");
    const onCanada = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${sent.id}`, undefined, caOfficer.token);
    const hidden = onCanada.body.messages.find((m) => m.id === original.id);
    expect(hidden).toMatchObject({ status: "withdrawn" });
    expect(hidden?.text).toBeUndefined();
    expect(JSON.stringify(onCanada.body)).not.toContain("Withdrawable secret");
  });

  it("consent round trip for onward disclosure", async () => {
    const sent = await openThread({ kind: "disclosure", permittedUse: ["H1", "H2"] });
    const received = await inbound(sent.id, caOfficer.token);
    const ask = await nodes.canada.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      {
        kind: "consent-request",
        refersTo: received.messages[0]?.id,
        onwardRecipient: "Ontario Provincial Police",
        text: "May we share this with the OPP?",
        // It carries text, so it passes Canada's gate like any disclosure.
        legalBases: ["BI-WORKPLAN-2026"],
        permittedUse: ["H0", "H1"],
      },
      caOfficer.token,
    );
    expect(ask.status, JSON.stringify(ask.body)).toBe(201);
    const onIndia = await eventually(async () => {
      const r = await nodes.india.api<Thread>("GET", `/api/v1/threads/${sent.id}`, undefined, inOfficer.token);
      return r.body.messages.find((m) => m.kind === "consent-request");
    });
    const decision = await nodes.india.api<Message>(
      "POST",
      `/api/v1/threads/${sent.id}/messages`,
      { kind: "consent-decision", refersTo: onIndia.id, consentGranted: true },
      inOfficer.token,
    );
    expect(decision.status, JSON.stringify(decision.body)).toBe(201);
    const granted = await eventually(async () => {
      const r = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${sent.id}`, undefined, caOfficer.token);
      return r.body.messages.find((m) => m.kind === "consent-decision");
    });
    expect(granted.consentGranted).toBe(true);
  });
});
