import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCount } from "../identity/helpers.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { type Actor, actor, countRows, type Message, newThread, outboxCount, type Thread } from "./helpers.ts";

describe("exchange: compliance gate, approvals and bad input", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let inOfficer: Actor;
  let caOfficer: Actor;
  let caApprover: Actor;
  beforeAll(async () => {
    nodes = await startTwoNodes();
    inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    caOfficer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
    caApprover = await actor(nodes.canada, "approver", "ca-rcmp");
  }, 120_000);
  afterAll(async () => nodes?.close());

  async function unchanged(node = nodes.india) {
    return {
      threads: await countRows(node, "exchange_threads"),
      messages: await countRows(node, "exchange_messages"),
      attachments: await countRows(node, "exchange_attachments"),
      outbox: await outboxCount(node),
    };
  }

  it("refused by the gate: 422 with the reasons, nothing stored or sent, the decision audited", async () => {
    const before = await unchanged();
    const blockedBefore = await auditCount(nodes.india, "exchange.message.blocked");
    const refused = await nodes.india.api<{
      code: string;
      decision: { decision: string; reasons: { policy: string }[] };
    }>("POST", "/api/v1/threads", newThread({}, { legalBases: [] }), inOfficer.token);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("LIAISON_EXCHANGE_COMPLIANCE_REFUSED");
    expect(refused.body.decision.decision).toBe("refuse");
    expect(refused.body.decision.reasons.map((r) => r.policy)).toContain("in-legal-basis");
    expect(await unchanged()).toEqual(before);
    expect(await auditCount(nodes.india, "exchange.message.blocked")).toBe(blockedBefore + 1);
  });

  it("escalated: held for approval, then sealed and delivered once the approver approves", async () => {
    const escalated = await nodes.canada.api<Thread>(
      "POST",
      "/api/v1/threads",
      newThread(
        { to: "IN", toAgency: "in-ncb" },
        {
          kind: "disclosure",
          legalBases: ["CA-PA-8-2-f"],
          personalData: true,
          dataSubjects: ["Person A (fictional)"],
          purposeCode: "precursor-diversion",
          purpose: "Identify the consignee of an NPP shipment",
          permittedUse: ["H0", "H1", "H2"],
          mistreatmentRisk: { level: "undetermined" },
          grading: { source: "B", information: "2" },
        },
      ),
      caOfficer.token,
    );
    expect(escalated.status, JSON.stringify(escalated.body)).toBe(201);
    const held = escalated.body.messages[0] as Message;
    expect(held.status).toBe("pending-approval");
    expect(held.decision?.decision).toBe("escalate");
    expect(held.approvalId).toBeTruthy();
    // Nothing reaches India while it waits.
    await new Promise((r) => setTimeout(r, 300));
    const early = await nodes.india.api("GET", `/api/v1/threads/${escalated.body.id}`, undefined, inOfficer.token);
    expect(early.status).toBe(404);

    const decided = await nodes.canada.api(
      "POST",
      `/api/v1/approvals/${held.approvalId}/decision`,
      {
        approve: true,
        basis: "Mitigated by caveats; assurances received from NCB in writing.",
        determination: "risk-can-be-mitigated",
        measures: [
          { measure: "caveat-h2" },
          {
            measure: "written-assurance",
            givenBy: "Deputy Director General, NCB, New Delhi",
            givenAt: "2026-01-15",
            summary: "The person will not be detained or questioned on this information alone.",
          },
        ],
      },
      caApprover.token,
    );
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const onIndia = await eventually(async () => {
      const r = await nodes.india.api<Thread>(
        "GET",
        `/api/v1/threads/${escalated.body.id}`,
        undefined,
        inOfficer.token,
      );
      return r.status === 200 && r.body;
    });
    expect(onIndia.messages[0]).toMatchObject({ id: held.id, kind: "disclosure" });
    const onCanada = await nodes.canada.api<Thread>(
      "GET",
      `/api/v1/threads/${escalated.body.id}`,
      undefined,
      caOfficer.token,
    );
    expect(onCanada.body.messages[0]?.status).not.toBe("pending-approval");
  });

  it("escalated then refused by the approver: never sent, the officer sees why", async () => {
    const escalated = await nodes.canada.api<Thread>(
      "POST",
      "/api/v1/threads",
      newThread(
        { to: "IN", toAgency: "in-ncb" },
        {
          kind: "disclosure",
          legalBases: ["CA-PA-8-2-f"],
          personalData: true,
          purposeCode: "drug-trafficking",
          purpose: "Identify a courier",
          mistreatmentRisk: { level: "undetermined" },
          grading: { source: "C", information: "3" },
        },
      ),
      caOfficer.token,
    );
    const held = escalated.body.messages[0] as Message;
    const decided = await nodes.canada.api(
      "POST",
      `/api/v1/approvals/${held.approvalId}/decision`,
      { approve: false, basis: "Risk cannot be mitigated with the assurances at hand." },
      caApprover.token,
    );
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const onCanada = await nodes.canada.api<Thread>(
      "GET",
      `/api/v1/threads/${escalated.body.id}`,
      undefined,
      caOfficer.token,
    );
    expect(onCanada.body.messages[0]).toMatchObject({ status: "approval-refused", envelopeId: null });
    expect(onCanada.body.messages[0]?.decision?.decision).toBe("escalate");
    await new Promise((r) => setTimeout(r, 300));
    const onIndia = await nodes.india.api("GET", `/api/v1/threads/${escalated.body.id}`, undefined, inOfficer.token);
    expect(onIndia.status).toBe(404);
  });

  it("documents the exchange API in the OpenAPI document", async () => {
    const doc = await nodes.india.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    const paths = Object.keys((doc.json() as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining(["/api/v1/threads", "/api/v1/threads/{id}/messages", "/api/v1/exchange/search"]),
    );
  });

  const bad: [string, Record<string, unknown>, Record<string, unknown>, number, string][] = [
    ["unknown agency", { toAgency: "ca-nowhere" }, {}, 400, "LIAISON_EXCHANGE_UNKNOWN_AGENCY"],
    ["agency of the wrong party", { toAgency: "in-ncb" }, {}, 400, "LIAISON_EXCHANGE_UNKNOWN_AGENCY"],
    [
      "phone not in E.164",
      {},
      { entities: [{ type: "phone", number: "416-555-0199" }] },
      400,
      "LIAISON_REQUEST_INVALID",
    ],
    [
      "bad CAS check digit",
      {},
      { entities: [{ type: "chemical", cas: "39742-60-5" }] },
      400,
      "LIAISON_REQUEST_INVALID",
    ],
    [
      "bad IBAN",
      {},
      { entities: [{ type: "bank-account", iban: "GB82WEST12345698765433" }] },
      400,
      "LIAISON_REQUEST_INVALID",
    ],
    [
      "attachment over the limit",
      {},
      {
        attachments: [
          { name: "big.txt", contentType: "text/plain", content: Buffer.alloc(600 * 1024, 97).toString("base64") },
        ],
      },
      413,
      "LIAISON_EXCHANGE_ATTACHMENT_TOO_LARGE",
    ],
    [
      "attachments that would not fit the peer's envelope limit",
      {},
      {
        attachments: [0, 1].map((i) => ({
          name: `part${i}.txt`,
          contentType: "text/plain",
          content: Buffer.alloc(400 * 1024, 98).toString("base64"),
        })),
      },
      413,
      "LIAISON_EXCHANGE_MESSAGE_TOO_LARGE",
    ],
    [
      "content not of its declared type",
      {},
      {
        attachments: [
          { name: "x.pdf", contentType: "application/pdf", content: Buffer.from("MZ\x90\x00").toString("base64") },
        ],
      },
      415,
      "LIAISON_EXCHANGE_ATTACHMENT_CONTENT_MISMATCH",
    ],
    [
      "type not allowed",
      {},
      { attachments: [{ name: "x.exe", contentType: "application/x-msdownload", content: "TVqQAA==" }] },
      415,
      "LIAISON_EXCHANGE_ATTACHMENT_TYPE_NOT_ALLOWED",
    ],
    ["TLP:RED without recipients", {}, { tlp: "TLP:RED" }, 400, "LIAISON_EXCHANGE_RECIPIENTS_REQUIRED"],
    ["unknown lane", { lane: "piracy" }, {}, 400, "LIAISON_REQUEST_INVALID"],
  ];
  it.each(bad)("refuses %s with a precise code and changes nothing", async (_name, thread, message, status, code) => {
    const before = await unchanged();
    const response = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/threads",
      newThread(thread, message),
      inOfficer.token,
    );
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    expect(await unchanged()).toEqual(before);
  });

  it.each([
    [{ kind: "response", text: "x" }, "LIAISON_EXCHANGE_RESPONSE_TYPE_REQUIRED"],
    [{ kind: "response", responseType: "refusal", text: "x" }, "LIAISON_EXCHANGE_REFUSAL_REASON_REQUIRED"],
    [{ kind: "withdrawal" }, "LIAISON_EXCHANGE_REFERS_TO_REQUIRED"],
    [{ kind: "withdrawal", refersTo: "01900000-0000-7000-8000-000000000000" }, "LIAISON_EXCHANGE_REFERS_TO_INVALID"],
    [
      { kind: "consent-decision", refersTo: "01900000-0000-7000-8000-000000000000" },
      "LIAISON_EXCHANGE_CONSENT_DECISION_REQUIRED",
    ],
    [{ kind: "acknowledgement", toAgency: "ca-nowhere" }, "LIAISON_EXCHANGE_UNKNOWN_AGENCY"],
  ])("refuses a bad follow-up message %j and changes nothing", async (message, code) => {
    const sent = await nodes.india.api<Thread>("POST", "/api/v1/threads", newThread(), inOfficer.token);
    const before = await unchanged();
    const response = await nodes.india.api<{ code: string }>(
      "POST",
      `/api/v1/threads/${sent.body.id}/messages`,
      message,
      inOfficer.token,
    );
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(code);
    expect(await unchanged()).toEqual(before);
  });

  it("refuses the bootstrap administrator (no agency) and bad triage", async () => {
    const admin = await nodes.india.api<{ code: string }>("POST", "/api/v1/threads", newThread());
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe("LIAISON_EXCHANGE_NO_AGENCY");
    const sent = await nodes.india.api<Thread>("POST", "/api/v1/threads", newThread(), inOfficer.token);
    await eventually(
      async () =>
        (await nodes.canada.api("GET", `/api/v1/threads/${sent.body.id}`, undefined, caOfficer.token)).status === 200,
    );
    const wrong = await nodes.canada.api<{ code: string }>(
      "POST",
      `/api/v1/threads/${sent.body.id}/assign`,
      { agency: "in-ncb" },
      caOfficer.token,
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe("LIAISON_EXCHANGE_UNKNOWN_AGENCY");
    const outbound = await nodes.india.api<{ code: string }>(
      "POST",
      `/api/v1/threads/${sent.body.id}/assign`,
      { agency: "in-ncb" },
      inOfficer.token,
    );
    expect(outbound.status).toBe(409);
    expect(outbound.body.code).toBe("LIAISON_EXCHANGE_ASSIGN_OUTBOUND");
  });
});
