import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCount } from "../identity/helpers.ts";
import { eventually, startTwoNodes, type TestNode } from "../support/nodes.ts";
import { type Actor, actor, countRows, type Message, newThread, outboxCount, type Thread } from "./helpers.ts";

/**
 * Issue 13, tried as an attacker would: content on ungated kinds, routing that widens access, attachments by id,
 * statistics that leak text. Each refused action answers problem+json with a documented code and changes nothing.
 */
describe("exchange: the gate on every message, routing, attachments and statistics (attacker tests)", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let inOfficer: Actor;
  let caOfficer: Actor;
  let caCbsaOfficer: Actor;
  let caAnalyst: Actor;
  let caCbsaAnalyst: Actor;
  beforeAll(async () => {
    nodes = await startTwoNodes();
    inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    caOfficer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
    caCbsaOfficer = await actor(nodes.canada, "liaison-officer", "ca-cbsa");
    caAnalyst = await actor(nodes.canada, "analyst", "ca-rcmp");
    caCbsaAnalyst = await actor(nodes.canada, "analyst", "ca-cbsa");
  }, 300_000);
  afterAll(async () => nodes?.close());

  const PII = "Rahul Example, passport Z1234567, +91 98765 43210";

  async function state(node: TestNode) {
    return {
      threads: await countRows(node, "exchange_threads"),
      messages: await countRows(node, "exchange_messages"),
      attachments: await countRows(node, "exchange_attachments"),
      outbox: await outboxCount(node),
      routing: await node.deps.database.db
        .selectFrom("exchange_threads")
        .select(["id", "assigned_agency", "assignee"])
        .orderBy("id")
        .execute(),
    };
  }

  /** The newest audit record of an action, as recorded (actor, outcome, details). */
  async function lastAudit(node: TestNode, action: string, subject: string) {
    await node.deps.audit.sequenceQueued();
    const row = await node.deps.database.db
      .selectFrom("audit_leaves")
      .select(["actor", "outcome", "data"])
      .where("action", "=", action)
      .where("subject", "=", subject)
      .orderBy("index", "desc")
      .executeTakeFirst();
    if (!row) return undefined;
    const event = JSON.parse(Buffer.from(row.data).toString()) as { details?: Record<string, unknown> };
    return { actor: row.actor, outcome: row.outcome, details: event.details ?? {} };
  }

  /** India opens a thread; Canada has it once the envelope arrived. The ids are the same on both nodes. */
  async function received(thread: Record<string, unknown> = {}, message: Record<string, unknown> = {}) {
    const sent = await nodes.india.api<Thread>("POST", "/api/v1/threads", newThread(thread, message), inOfficer.token);
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    await eventually(async () => {
      const stored = await nodes.canada.deps.database.db
        .selectFrom("exchange_messages")
        .select("id")
        .where("thread_id", "=", sent.body.id)
        .executeTakeFirst();
      return stored !== undefined;
    });
    return { id: sent.body.id, messageId: sent.body.messages[0]?.id as string };
  }

  const post = <T>(node: TestNode, path: string, body: unknown, who: Actor) =>
    node.api<T>("POST", path, body, who.token);

  describe("every message with content passes the gate", () => {
    it.each([
      ["an acknowledgement with personal data in its text", { kind: "acknowledgement", text: PII, personalData: true }],
      [
        "an acknowledgement with a person entity",
        { kind: "acknowledgement", entities: [{ type: "person", name: PII }] },
      ],
      ["an acknowledgement naming data subjects", { kind: "acknowledgement", dataSubjects: [PII] }],
      ["a withdrawal with text", { kind: "withdrawal", text: PII, refersTo: "01900000-0000-7000-8000-000000000000" }],
      [
        "a consent decision with text",
        { kind: "consent-decision", consentGranted: true, text: PII, refersTo: "01900000-0000-7000-8000-000000000000" },
      ],
    ])("refuses %s by schema: control messages carry nothing", async (_name, message) => {
      const thread = await received();
      const before = await state(nodes.canada);
      const r = await post<{ code: string; detail: string }>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        message,
        caOfficer,
      );
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("LIAISON_REQUEST_INVALID");
      expect(r.body.detail).toContain("control message");
      expect(await state(nodes.canada)).toEqual(before);
    });

    it("gates a refusal that gives its reason as text: without a legal basis it is refused, nothing sent", async () => {
      const thread = await received();
      const before = await state(nodes.canada);
      const blocked = await auditCount(nodes.canada, "exchange.message.blocked");
      const r = await post<{ code: string; decision: { decision: string; reasons: { policy: string }[] } }>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        { kind: "response", responseType: "refusal", refusalReason: `We hold nothing on ${PII}`, personalData: true },
        caOfficer,
      );
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.code).toBe("LIAISON_EXCHANGE_COMPLIANCE_REFUSED");
      expect(r.body.decision.reasons.map((x) => x.policy)).toContain("ca-legal-basis");
      expect(await state(nodes.canada)).toEqual(before);
      expect(await auditCount(nodes.canada, "exchange.message.blocked")).toBe(blocked + 1);
    });

    it("gates a consent-request: it tells the originator something", async () => {
      const thread = await received();
      const before = await state(nodes.canada);
      const r = await post<{ code: string }>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        { kind: "consent-request", refersTo: thread.messageId, onwardRecipient: "ca-cbsa", text: PII },
        caOfficer,
      );
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.code).toBe("LIAISON_EXCHANGE_COMPLIANCE_REFUSED");
      expect(await state(nodes.canada)).toEqual(before);
    });

    it("a coded refusal and a bare acknowledgement carry nothing and skip the gate", async () => {
      const thread = await received();
      const ack = await post<Message>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        { kind: "acknowledgement" },
        caOfficer,
      );
      expect(ack.status, JSON.stringify(ack.body)).toBe(201);
      expect(ack.body.decision).toBeNull();
      const refusal = await post<Message>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        { kind: "response", responseType: "refusal", refusalCode: "information-not-held" },
        caOfficer,
      );
      expect(refusal.status, JSON.stringify(refusal.body)).toBe(201);
      expect(refusal.body.decision).toBeNull();
      const unknownCode = await post<{ code: string }>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        { kind: "response", responseType: "refusal", refusalCode: "because" },
        caOfficer,
      );
      expect(unknownCode.status).toBe(400);
      expect(unknownCode.body.code).toBe("LIAISON_REQUEST_INVALID");
      const onIndia = await eventually(async () => {
        const r = await nodes.india.api<Thread>("GET", `/api/v1/threads/${thread.id}`, undefined, inOfficer.token);
        return r.body.messages.length === 3 && r.body;
      });
      expect(onIndia.messages[2]).toMatchObject({ responseType: "refusal", refusalCode: "information-not-held" });
    });
  });

  describe("routing does not widen access", () => {
    it("AMBER+STRICT without toAgency stays with the first agency assigned: another agency cannot take it", async () => {
      const thread = await received(
        { toAgency: undefined },
        { kind: "disclosure", tlp: "TLP:AMBER+STRICT", text: "Strict: the RCMP's source on the NPP consignment." },
      );
      const { messageId } = thread;
      const first = await post<Thread>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/assign`,
        { agency: "ca-rcmp" },
        caOfficer,
      );
      expect(first.status, JSON.stringify(first.body)).toBe(200);

      // An officer of another agency routes it to their own agency, to read it.
      const before = await state(nodes.canada);
      const taken = await post<{ code: string; needsConsent: { messageId: string }[] }>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/assign`,
        { agency: "ca-cbsa" },
        caCbsaOfficer,
      );
      expect(taken.status, JSON.stringify(taken.body)).toBe(409);
      expect(taken.body.code).toBe("LIAISON_EXCHANGE_ONWARD_CONSENT_REQUIRED");
      expect(taken.body.needsConsent.map((n) => n.messageId)).toEqual([messageId]);
      expect(await state(nodes.canada)).toEqual(before);
      const refusedAudit = await lastAudit(nodes.canada, "exchange.thread.assign", thread.id);
      expect(refusedAudit).toMatchObject({
        actor: caCbsaOfficer.id,
        outcome: "denied",
        details: { from: { agency: "ca-rcmp" }, to: { agency: "ca-cbsa" } },
      });
      const view = await nodes.canada.api<Thread>(
        "GET",
        `/api/v1/threads/${thread.id}`,
        undefined,
        caCbsaOfficer.token,
      );
      expect(JSON.stringify(view.body)).not.toContain("the RCMP's source");
    });

    it("with the originator's consent through the consent messages, the move is allowed, and audited from and to", async () => {
      const thread = await received(
        { toAgency: undefined },
        { kind: "disclosure", tlp: "TLP:AMBER+STRICT", text: "Strict, shareable with consent: courier route." },
      );
      const { messageId } = thread;
      await post(nodes.canada, `/api/v1/threads/${thread.id}/assign`, { agency: "ca-rcmp" }, caOfficer);
      const ask = await post<Message>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        {
          kind: "consent-request",
          refersTo: messageId,
          onwardRecipient: "ca-cbsa",
          text: "May CBSA work on this?",
          legalBases: ["BI-WORKPLAN-2026"],
          permittedUse: ["H0", "H1"],
        },
        caOfficer,
      );
      expect(ask.status, JSON.stringify(ask.body)).toBe(201);
      // A consent for another agency does not count.
      const other = await post<Message>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        {
          kind: "consent-request",
          refersTo: messageId,
          onwardRecipient: "ca-csis",
          text: "And CSIS?",
          legalBases: ["BI-WORKPLAN-2026"],
          permittedUse: ["H0", "H1"],
        },
        caOfficer,
      );
      expect(other.status, JSON.stringify(other.body)).toBe(201);
      const onIndia = await eventually(async () => {
        const r = await nodes.india.api<Thread>("GET", `/api/v1/threads/${thread.id}`, undefined, inOfficer.token);
        return r.body.messages.filter((m) => m.kind === "consent-request").length === 2 && r.body;
      });
      const csisAsk = onIndia.messages.find((m) => m.id === other.body.id) as Message;
      const granted = await post<Message>(
        nodes.india,
        `/api/v1/threads/${thread.id}/messages`,
        { kind: "consent-decision", refersTo: csisAsk.id, consentGranted: true },
        inOfficer,
      );
      expect(granted.status, JSON.stringify(granted.body)).toBe(201);
      await eventually(async () => {
        const r = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${thread.id}`, undefined, caOfficer.token);
        return r.body.messages.some((m) => m.kind === "consent-decision");
      });
      const notYet = await post<{ code: string }>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/assign`,
        { agency: "ca-cbsa" },
        caCbsaOfficer,
      );
      expect(notYet.body.code).toBe("LIAISON_EXCHANGE_ONWARD_CONSENT_REQUIRED");

      await post(
        nodes.india,
        `/api/v1/threads/${thread.id}/messages`,
        { kind: "consent-decision", refersTo: ask.body.id, consentGranted: true },
        inOfficer,
      );
      await eventually(async () => {
        const r = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${thread.id}`, undefined, caOfficer.token);
        return r.body.messages.filter((m) => m.kind === "consent-decision").length === 2;
      });
      const moved = await post<Thread>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/assign`,
        { agency: "ca-cbsa", assignee: caCbsaAnalyst.id },
        caCbsaOfficer,
      );
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(await lastAudit(nodes.canada, "exchange.thread.assign", thread.id)).toMatchObject({
        actor: caCbsaOfficer.id,
        outcome: "success",
        details: {
          from: { agency: "ca-rcmp", assignee: null },
          to: { agency: "ca-cbsa", assignee: caCbsaAnalyst.id },
          consented: [messageId],
        },
      });
      // CBSA now holds it; RCMP no longer does.
      const cbsa = await nodes.canada.api<Thread>(
        "GET",
        `/api/v1/threads/${thread.id}`,
        undefined,
        caCbsaAnalyst.token,
      );
      expect(cbsa.body.messages.find((m) => m.id === messageId)?.text).toContain("courier route");
      const rcmp = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${thread.id}`, undefined, caOfficer.token);
      expect(rcmp.body.messages.find((m) => m.id === messageId)).toBeUndefined();
    });

    it.each([
      ["H2 addressed to the RCMP", { permittedUse: ["H0", "H1", "H2"], tlp: "TLP:GREEN" }],
      ["TLP:RED for named recipients", { tlp: "TLP:RED", recipients: ["someone"] }],
      ["TLP:AMBER+STRICT addressed to the RCMP", { tlp: "TLP:AMBER+STRICT" }],
    ])("routing %s to another agency is an onward disclosure: refused without consent", async (_name, caveats) => {
      const thread = await received({}, { kind: "disclosure", text: "Onward-restricted content.", ...caveats });
      const before = await state(nodes.canada);
      const r = await post<{ code: string }>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/assign`,
        { agency: "ca-cbsa" },
        caCbsaOfficer,
      );
      expect(r.status, JSON.stringify(r.body)).toBe(409);
      expect(r.body.code).toBe("LIAISON_EXCHANGE_ONWARD_CONSENT_REQUIRED");
      expect(await state(nodes.canada)).toEqual(before);
    });

    it("an assignee must belong to the agency the thread is routed to", async () => {
      const thread = await received({}, { tlp: "TLP:GREEN" });
      const before = await state(nodes.canada);
      const r = await post<{ code: string }>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/assign`,
        { agency: "ca-rcmp", assignee: caCbsaAnalyst.id },
        caOfficer,
      );
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toBe("LIAISON_EXCHANGE_ASSIGNEE_OTHER_AGENCY");
      expect(await state(nodes.canada)).toEqual(before);
      const byName = await post<Thread>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/assign`,
        { agency: "ca-rcmp", assignee: caAnalyst.username },
        caOfficer,
      );
      expect(byName.status, JSON.stringify(byName.body)).toBe(200);
    });
  });

  describe("attachments", () => {
    it("are served only to a reader of the thread and the message, and every download is audited", async () => {
      const content = Buffer.from(`Manifest: ${PII}\n`);
      const thread = await received(
        {},
        {
          kind: "disclosure",
          text: "Manifest attached.",
          attachments: [{ name: "manifest.txt", contentType: "text/plain", content: content.toString("base64") }],
        },
      );
      await post(nodes.canada, `/api/v1/threads/${thread.id}/assign`, { agency: "ca-rcmp" }, caOfficer);
      const view = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${thread.id}`, undefined, caAnalyst.token);
      const attachmentId = view.body.messages[0]?.attachments?.[0]?.id as string;
      expect(attachmentId).toBeTruthy();
      const url = `/api/v1/attachments/${attachmentId}`;
      const downloads = () => auditCount(nodes.canada, "exchange.attachment.download", attachmentId);

      // An analyst of another agency, who may not see the thread, asks for the file by id.
      const before = await downloads();
      const outsider = await nodes.canada.app.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${caCbsaAnalyst.token}` },
      });
      expect(outsider.statusCode).toBe(404);
      expect(outsider.headers["content-type"]).toContain("application/problem+json");
      expect(outsider.json().code).toBe("LIAISON_EXCHANGE_ATTACHMENT_NOT_FOUND");
      expect(outsider.body).not.toContain("Z1234567");
      expect(await lastAudit(nodes.canada, "exchange.attachment.download", attachmentId)).toMatchObject({
        actor: caCbsaAnalyst.id,
        outcome: "denied",
      });

      const reader = await nodes.canada.app.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${caAnalyst.token}` },
      });
      expect(reader.statusCode).toBe(200);
      expect(reader.rawPayload.equals(content)).toBe(true);
      expect(await downloads()).toBe(before + 2);
      expect(await lastAudit(nodes.canada, "exchange.attachment.download", attachmentId)).toMatchObject({
        actor: caAnalyst.id,
        outcome: "success",
        details: { threadId: thread.id },
      });
    });
  });

  describe("statistics", () => {
    it("carry counts and durations only: refusals are counted by code, never shown as text", async () => {
      const thread = await received({}, { priority: "routine" });
      const textual = await post<Message>(
        nodes.canada,
        `/api/v1/threads/${thread.id}/messages`,
        {
          kind: "response",
          responseType: "refusal",
          refusalReason: "Not ours; ask the CBSA about the consignee Example Traders",
          legalBases: ["BI-WORKPLAN-2026"],
          permittedUse: ["H0", "H1"],
        },
        caOfficer,
      );
      expect(textual.status, JSON.stringify(textual.body)).toBe(201);
      const coded = await received({}, { priority: "routine" });
      await post(
        nodes.canada,
        `/api/v1/threads/${coded.id}/messages`,
        { kind: "response", responseType: "refusal", refusalCode: "outside-mandate" },
        caOfficer,
      );
      const stats = await nodes.canada.api<{ items: { lane: string; priority: string; refusals: unknown[] }[] }>(
        "GET",
        "/api/v1/exchange/stats",
        undefined,
        caCbsaAnalyst.token,
      );
      expect(stats.status).toBe(200);
      expect(JSON.stringify(stats.body)).not.toContain("Example Traders");
      const routine = stats.body.items.find((i) => i.lane === "drugs" && i.priority === "routine");
      expect(routine?.refusals).toEqual(
        expect.arrayContaining([
          { code: "text", count: 1 },
          { code: "outside-mandate", count: 1 },
        ]),
      );
    });
  });
});
