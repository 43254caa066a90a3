import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, actor } from "../exchange/helpers.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";

/**
 * Issue 13 ("the live check and the send disagree") and issue 22 items 7 and 8: POST /api/v1/compliance/evaluate
 * takes the message as a send takes it and gives the send's answer, requests included; the yearly report
 * counts what the gate refused, by rule.
 */
describe("the live check and the send give the same answer", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let officer: Actor;
  let auditor: Actor;
  beforeAll(async () => {
    nodes = await startTwoNodes();
    officer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
    auditor = await actor(nodes.canada, "auditor", "ca-rcmp");
  }, 300_000);
  afterAll(async () => nodes?.close());

  /** A disclosure the Canadian pack allows; each case changes what it tests. */
  const complete = {
    kind: "disclosure",
    text: "The consignee of the NPP shipment is a director of Maple Harbour Imports Ltd (fictional).",
    priority: "high",
    tlp: "TLP:AMBER",
    permittedUse: ["H0", "H1"],
    legalBases: ["CA-PA-8-2-f"],
    personalData: true,
    purposeCode: "precursor-diversion",
    purpose: "Identify the consignee of a precursor shipment",
    mistreatmentRisk: { level: "none" },
    grading: { source: "B", information: "2" },
  };

  const cases: { name: string; message: Record<string, unknown>; answer: string }[] = [
    { name: "a complete disclosure", message: {}, answer: "allow" },
    {
      name: "TLP:RED without named recipients",
      message: { tlp: "TLP:RED" },
      answer: "LIAISON_EXCHANGE_RECIPIENTS_REQUIRED",
    },
    {
      name: "H3 without its handling note",
      message: { permittedUse: ["H1", "H3"] },
      answer: "LIAISON_COMPLIANCE_HANDLING_NOTE_REQUIRED",
    },
    {
      name: "personalData false but a passport in the entities, no purpose (issue 13)",
      message: {
        personalData: false,
        purposeCode: undefined,
        purpose: undefined,
        entities: [{ type: "travel-document", documentType: "passport", number: "Z1234567", issuingCountry: "IN" }],
      },
      answer: "refuse:ca-purpose-for-personal-information",
    },
    {
      name: "a substantial risk recorded with personalData false (item 1)",
      message: { personalData: false, mistreatmentRisk: { level: "substantial" } },
      answer: "refuse:ca-aca-substantial-risk",
    },
    {
      name: "a request about a person whose stated use is a trial (items 6 and 8)",
      message: {
        kind: "request",
        text: "Please provide the passport file of the consignee for use at trial in Vancouver.",
      },
      answer: "refuse:ca-evidence-via-mlat",
    },
    {
      name: "a request citing only CSIS Act s. 17(1)(b) (items 4 and 8)",
      message: { kind: "request", legalBases: ["CA-CSIS-17-1-b"] },
      answer: "refuse:ca-basis-of-another-agency,ca-legal-basis",
    },
    {
      name: "an undetermined risk",
      message: { permittedUse: ["H0", "H1", "H2"], mistreatmentRisk: { level: "undetermined" } },
      answer: "escalate",
    },
  ];

  const answerOf = (status: number, body: Record<string, unknown>): string => {
    if (status === 400) return String(body.code);
    const decision = (status === 422 ? body.decision : body) as { decision: string; reasons: { policy: string }[] };
    if (decision.decision !== "refuse") return decision.decision;
    return `refuse:${decision.reasons
      .map((r) => r.policy)
      .sort()
      .join(",")}`;
  };

  it.each(cases)("$name: evaluate and send both answer $answer", async ({ message, answer }) => {
    const full = { ...complete, ...message };
    const evaluated = await nodes.canada.api<Record<string, unknown>>(
      "POST",
      "/api/v1/compliance/evaluate",
      { ...full, to: "IN", toAgency: "in-ncb", fromAgency: "ca-rcmp", lane: "drugs" },
      officer.token,
    );
    expect([200, 400]).toContain(evaluated.status);
    const sent = await nodes.canada.api<Record<string, unknown>>(
      "POST",
      "/api/v1/threads",
      { lane: "drugs", subject: "Consignee of an NPP shipment", to: "IN", toAgency: "in-ncb", message: full },
      officer.token,
    );
    const sentDecision =
      sent.status === 201
        ? ((sent.body.messages as { decision: Record<string, unknown> }[])[0]?.decision ?? {})
        : sent.body;
    const sendAnswer = sent.status === 201 ? answerOf(200, sentDecision) : answerOf(sent.status, sent.body);
    expect(answerOf(evaluated.status, evaluated.body)).toBe(answer);
    expect(sendAnswer).toBe(answer);
    if (evaluated.status === 200 && sent.status === 201) expect(sentDecision).toEqual(evaluated.body);
  });

  it("issue 13: personalData false is raised by a person entity, and travels raised", async () => {
    const inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    const sent = await nodes.canada.api<{ id: string; messages: { decision: { decision: string } }[] }>(
      "POST",
      "/api/v1/threads",
      {
        lane: "drugs",
        subject: "Courier of an NPP consignment",
        to: "IN",
        toAgency: "in-ncb",
        message: { ...complete, personalData: false, entities: [{ type: "person", name: "A. Courier (fictional)" }] },
      },
      officer.token,
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const received = await eventually(async () => {
      const r = await nodes.india.api<{ messages: { personalData: boolean }[] }>(
        "GET",
        `/api/v1/threads/${sent.body.id}`,
        undefined,
        inOfficer.token,
      );
      return r.status === 200 && r.body;
    });
    expect(received.messages[0]?.personalData).toBe(true);
  });

  it("the yearly report counts the gate's refusals by rule, requests included", async () => {
    const report = await nodes.canada.api<{
      agencies: { agency: string; refused: number; refusedRequests: number; refusalsByRule: Record<string, number> }[];
      totals: { refused: number; refusalsByRule: Record<string, number> };
    }>("GET", `/api/v1/reports/aca?year=${new Date().getUTCFullYear()}`, undefined, auditor.token);
    expect(report.status).toBe(200);
    const rcmp = report.body.agencies.find((a) => a.agency === "ca-rcmp");
    expect(rcmp).toMatchObject({ refused: 4, refusedRequests: 2 });
    expect(rcmp?.refusalsByRule).toEqual({
      "ca-aca-substantial-risk": 1,
      "ca-basis-of-another-agency": 1,
      "ca-evidence-via-mlat": 1,
      "ca-legal-basis": 1,
      "ca-purpose-for-personal-information": 1,
    });
    expect(report.body.totals.refused).toBe(4);
  });
});
