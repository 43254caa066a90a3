import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCount, createUser, login } from "../identity/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

const body = {
  kind: "disclosure",
  to: "IN",
  fromAgency: "ca-rcmp",
  toAgency: "in-ncb",
  lane: "drugs",
  legalBases: ["CA-PA-8-2-f"],
  personalData: true,
  purposeCode: "precursor-diversion",
  purpose: "Identify the consignee of a precursor shipment",
  intendedUse: "intelligence",
  mistreatmentRisk: { level: "undetermined" },
  grading: { source: "B", information: "2" },
  tlp: "TLP:AMBER",
  permittedUse: ["H0", "H1"],
};

let node: TestNode;
let officer: string;
let analyst: string;

beforeAll(async () => {
  node = await startTestNode({ party: "CA", listen: false });
  for (const [role, agency] of [
    ["liaison-officer", "ca-rcmp"],
    ["analyst", "ca-cbsa"],
  ] as const) {
    const user = await createUser(node, { role, agency });
    const token = (await login(node, user.username, user.password)).body.token;
    if (role === "analyst") analyst = token;
    else officer = token;
  }
}, 240_000);
afterAll(() => node?.close());

describe("POST /api/v1/compliance/evaluate", () => {
  it("returns the decision with reasons and instruments, sends nothing, and audits it", async () => {
    const before = await auditCount(node, "compliance.evaluate");
    const outbox = await node.deps.database.db.selectFrom("outbox").select("envelope_id").execute();
    const response = await node.api("POST", "/api/v1/compliance/evaluate", body, officer);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      decision: "escalate",
      reasons: [
        {
          policy: "ca-aca-undetermined-to-deputy-head",
          text: "The mistreatment risk could not be determined: only the deputy head or delegate may authorise, on determining that it can be mitigated and with the measures attached.",
        },
      ],
      instruments: ["CA-ACA-2019", "CA-PA-8-2-f", "UN-CAT"],
    });
    expect(await auditCount(node, "compliance.evaluate")).toBe(before + 1);
    expect(await node.deps.database.db.selectFrom("outbox").select("envelope_id").execute()).toHaveLength(
      outbox.length,
    );
  });

  it.each([
    {
      name: "an unknown legal basis",
      change: { legalBases: ["CA-PA-99"] },
      code: "LIAISON_COMPLIANCE_UNKNOWN_INSTRUMENT",
    },
    { name: "an unknown agency", change: { toAgency: "in-nope" }, code: "LIAISON_COMPLIANCE_UNKNOWN_AGENCY" },
    { name: "a missing field", change: { to: undefined }, code: "LIAISON_REQUEST_INVALID" },
    { name: "an intended use outside the list", change: { intendedUse: "trial" }, code: "LIAISON_REQUEST_INVALID" },
    {
      name: "free text in place of a coded mitigation (issue 22 item 2)",
      change: { mistreatmentRisk: { level: "substantial", mitigations: ["N/A"] } },
      code: "LIAISON_REQUEST_INVALID",
    },
    {
      name: "a purpose code outside the controlled list",
      change: { purposeCode: "n/a" },
      code: "LIAISON_REQUEST_INVALID",
    },
    {
      name: "TLP:RED with no named recipients, as a send refuses it (issue 13)",
      change: { tlp: "TLP:RED" },
      code: "LIAISON_EXCHANGE_RECIPIENTS_REQUIRED",
    },
    {
      name: "H3 with no handling note, as a send refuses it (issue 13)",
      change: { permittedUse: ["H1", "H3"] },
      code: "LIAISON_COMPLIANCE_HANDLING_NOTE_REQUIRED",
    },
    {
      name: "a grading letter outside A-F",
      change: { grading: { source: "G", information: "2" } },
      code: "LIAISON_REQUEST_INVALID",
    },
    { name: "an unknown TLP label", change: { tlp: "TLP:WHITE" }, code: "LIAISON_REQUEST_INVALID" },
  ])("answers $name with 400 $code and records nothing", async ({ change, code }) => {
    const before = await auditCount(node, "compliance.evaluate");
    const response = await node.api<{ code: string }>(
      "POST",
      "/api/v1/compliance/evaluate",
      { ...body, ...change },
      officer,
    );
    expect([response.status, response.body.code]).toEqual([400, code]);
    expect(await auditCount(node, "compliance.evaluate")).toBe(before);
  });

  it("refuses (and audits the refusal) for the administrator and for another agency's analyst", async () => {
    const denials = await auditCount(node, "compliance.evaluate");
    const admin = await node.api<{ code: string }>("POST", "/api/v1/compliance/evaluate", body);
    expect([admin.status, admin.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    const other = await node.api<{ code: string }>("POST", "/api/v1/compliance/evaluate", body, analyst);
    expect([other.status, other.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    const own = await node.api("POST", "/api/v1/compliance/evaluate", { ...body, fromAgency: "ca-cbsa" }, analyst);
    expect(own.status).toBe(200);
    // Two denials and one evaluation, each on the record.
    expect(await auditCount(node, "compliance.evaluate")).toBe(denials + 3);
  });
});
