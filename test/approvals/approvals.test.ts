import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import type { ApprovalOutcome, ComplianceInput } from "../../src/modules/compliance/compliance.types.ts";
import type { Principal } from "../../src/modules/identity/principal.ts";
import { auditCount, createUser, login } from "../identity/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

const undetermined: ComplianceInput = {
  kind: "disclosure",
  to: "IN",
  fromAgency: "ca-rcmp",
  toAgency: "in-ncb",
  lane: "organised-crime",
  legalBases: ["CA-PA-8-2-f"],
  personalData: true,
  purposeCode: "fraud",
  purpose: "Locate a suspect in a cross-border fraud network",
  intendedUse: "intelligence",
  mistreatmentRisk: { level: "undetermined" },
  grading: { source: "C", information: "3" },
  tlp: "TLP:AMBER",
  permittedUse: ["H0", "H1", "H2"],
};

/** The deputy head's determination (ACA direction 1(3)) with measures the held input carries. */
const assurance = {
  measure: "written-assurance",
  givenBy: "Director, CBI Economic Offences Wing, New Delhi",
  givenAt: "2026-05-30",
  summary: "Humane treatment; no detention on the strength of this information alone.",
};
const determined = {
  determination: "risk-can-be-mitigated",
  measures: [{ measure: "caveat-h2" }, assurance],
};

let node: TestNode;
const tokens: Record<string, string> = {};
const principals: Record<string, Principal> = {};
const outcomes: ApprovalOutcome[] = [];

async function user(name: string, role: string, agency: string) {
  const created = await createUser(node, { role, agency });
  const session = await login(node, created.username, created.password);
  tokens[name] = session.body.token;
  principals[name] = { id: created.id, username: created.username, role, party: "CA", agency };
}

/** What a module does when its gate says escalate: hold the item and queue it, in its own change. */
async function escalate(requester: Principal) {
  const decision = await node.deps.compliance.evaluate(undetermined, requester);
  expect(decision.decision).toBe("escalate");
  return node.deps.changes.run((change) =>
    node.deps.approvals.request(change, {
      kind: "test.item",
      subjectId: `item-${Math.random().toString(36).slice(2)}`,
      requester,
      input: undetermined,
      decision,
      summary: "Disclose a suspect's address to NCB",
    }),
  );
}

/** Outcomes of the approval.decide audit records of one approval (Merkle leaves, or the older event table). */
async function auditOutcome(id: string): Promise<string[]> {
  await node.deps.audit.sequenceQueued();
  const db = node.deps.database.db;
  const tables = await db.introspection.getTables();
  const table = tables.some((t) => t.name === "audit_leaves") ? "audit_leaves" : "audit_events";
  const rows = await db
    .selectFrom(table)
    .select("outcome")
    .where("action", "=", "approval.decide")
    .where("subject", "=", id)
    .execute();
  return rows.map((r) => r.outcome);
}

const approvalRow = (id: string) =>
  node.deps.database.db.selectFrom("approvals").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

beforeAll(async () => {
  node = await startTestNode({ party: "CA", clock: new ManualClock("2026-06-01T10:00:00Z"), listen: false });
  // A test-only kind: records the outcome and audits, inside the approval's change.
  node.deps.approvals.onDecided("test.item", async (change, outcome) => {
    outcomes.push(outcome);
    change.audit({
      actor: outcome.approver.id,
      action: "test.item.release",
      subject: outcome.subjectId,
      outcome: "success",
    });
  });
  await user("officer", "liaison-officer", "ca-rcmp");
  await user("approver", "approver", "ca-rcmp");
  await user("approver2", "approver", "ca-rcmp");
  await user("cbsaApprover", "approver", "ca-cbsa");
  await user("auditor", "auditor", "ca-rcmp");
}, 240_000);
afterAll(() => node?.close());

describe("four-eyes approvals", () => {
  it("queues an escalation that only its agency's approvers (and auditors) see", async () => {
    const { approvalId } = await escalate(principals.officer as Principal);
    const queue = await node.api<{ items: { id: string }[] }>(
      "GET",
      "/api/v1/approvals?status=pending",
      undefined,
      tokens.approver,
    );
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((i) => i.id)).toContain(approvalId);
    const other = await node.api<{ items: { id: string }[] }>(
      "GET",
      "/api/v1/approvals",
      undefined,
      tokens.cbsaApprover,
    );
    expect(other.body.items.map((i) => i.id)).not.toContain(approvalId);
    expect((await node.api("GET", `/api/v1/approvals/${approvalId}`, undefined, tokens.auditor)).status).toBe(200);
    // Another agency's approver gets exactly what a missing id gets.
    const hidden = await node.api<{ code: string; detail: string }>(
      "GET",
      `/api/v1/approvals/${approvalId}`,
      undefined,
      tokens.cbsaApprover,
    );
    const missing = await node.api<{ code: string; detail: string }>(
      "GET",
      "/api/v1/approvals/0190f000-0000-7000-8000-000000000000",
      undefined,
      tokens.cbsaApprover,
    );
    expect([hidden.status, hidden.body.code, hidden.body.detail]).toEqual([
      missing.status,
      missing.body.code,
      missing.body.detail,
    ]);
    expect(hidden.status).toBe(404);
  });

  it("an approver decides with a written basis; the module's handler runs in the same change", async () => {
    const { approvalId } = await escalate(principals.officer as Principal);
    const before = await auditCount(node, "approval.decide", approvalId);
    const response = await node.api<{ status: string; basis: string; approver: string }>(
      "POST",
      `/api/v1/approvals/${approvalId}/decision`,
      { approve: true, basis: "Assurances from NCB on humane treatment received in writing on 30 May.", ...determined },
      tokens.approver,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: "approved", approver: principals.approver?.id });
    expect(outcomes.find((o) => o.approvalId === approvalId)).toMatchObject({
      approved: true,
      kind: "test.item",
      determination: "risk-can-be-mitigated",
      measures: determined.measures,
    });
    expect(await approvalRow(approvalId)).toMatchObject({ determination: "risk-can-be-mitigated" });
    expect(await auditCount(node, "approval.decide", approvalId)).toBe(before + 1);
    const again = await node.api<{ code: string }>(
      "POST",
      `/api/v1/approvals/${approvalId}/decision`,
      { approve: false, basis: "Changed my mind entirely." },
      tokens.approver2,
    );
    expect([again.status, again.body.code]).toEqual([409, "LIAISON_APPROVALS_ALREADY_DECIDED"]);
  });

  it("refuses approval by the requester and changes nothing", async () => {
    const { approvalId } = await escalate(principals.approver as Principal);
    const before = await auditCount(node, "approval.decide");
    const response = await node.api<{ code: string }>(
      "POST",
      `/api/v1/approvals/${approvalId}/decision`,
      { approve: true, basis: "I am sure this is fine, approving my own." },
      tokens.approver,
    );
    expect([response.status, response.body.code]).toEqual([403, "LIAISON_APPROVALS_SELF_APPROVAL"]);
    expect((await approvalRow(approvalId)).status).toBe("pending");
    expect(outcomes.some((o) => o.approvalId === approvalId)).toBe(false);
    // Nothing decided; the refused attempt itself is on the record.
    expect(await auditCount(node, "approval.decide")).toBe(before + 1);
    expect(await auditOutcome(approvalId)).toEqual(["denied"]);
    // A second approver of the agency may reject it.
    const rejected = await node.api<{ status: string }>(
      "POST",
      `/api/v1/approvals/${approvalId}/decision`,
      { approve: false, basis: "Risk cannot be mitigated: no assurances." },
      tokens.approver2,
    );
    expect(rejected.body.status).toBe("rejected");
    expect(outcomes.find((o) => o.approvalId === approvalId)?.approved).toBe(false);
  });

  it.each([
    { name: "no basis", body: { approve: true }, code: "LIAISON_REQUEST_INVALID", status: 400, who: "approver2" },
    {
      name: "a basis too short to be written reasons",
      body: { approve: true, basis: "ok" },
      code: "LIAISON_REQUEST_INVALID",
      status: 400,
      who: "approver2",
    },
    {
      name: "an unknown field",
      body: { approve: true, basis: "Assurances received in writing.", force: true },
      code: "LIAISON_REQUEST_INVALID",
      status: 400,
      who: "approver2",
    },
    {
      name: "another agency's approver",
      body: { approve: true, basis: "Assurances received in writing." },
      code: "LIAISON_APPROVALS_NOT_FOUND",
      status: 404,
      who: "cbsaApprover",
    },
    {
      name: "an officer",
      body: { approve: true, basis: "Assurances received in writing." },
      code: "LIAISON_APPROVALS_NOT_FOUND",
      status: 404,
      who: "officer",
    },
    {
      name: "an auditor (reads, does not decide)",
      body: { approve: true, basis: "Assurances received in writing." },
      code: "LIAISON_POLICY_DENIED",
      status: 403,
      who: "auditor",
    },
  ])("refuses a decision with $name and changes nothing", async ({ body, code, status, who }) => {
    const { approvalId } = await escalate(principals.officer as Principal);
    const before = await auditCount(node, "approval.decide");
    const response = await node.api<{ code: string }>(
      "POST",
      `/api/v1/approvals/${approvalId}/decision`,
      body,
      tokens[who],
    );
    expect([response.status, response.body.code]).toEqual([status, code]);
    expect((await approvalRow(approvalId)).status).toBe("pending");
    expect(await auditCount(node, "approval.decide")).toBe(before + (status === 403 ? 1 : 0));
    expect(await auditOutcome(approvalId)).toEqual(status === 403 ? ["denied"] : []);
  });

  it("refuses to queue a kind no module handles, and the module's change rolls back", async () => {
    const decision = await node.deps.compliance.evaluate(undetermined, principals.officer as Principal);
    const before = await node.deps.database.db.selectFrom("approvals").select("id").execute();
    await expect(
      node.deps.changes.run((change) =>
        node.deps.approvals.request(change, {
          kind: "nobody.handles",
          subjectId: "x",
          requester: principals.officer as Principal,
          input: undetermined,
          decision,
          summary: "x",
        }),
      ),
    ).rejects.toMatchObject({ code: "LIAISON_APPROVALS_NO_HANDLER" });
    expect(await node.deps.database.db.selectFrom("approvals").select("id").execute()).toHaveLength(before.length);
  });

  it("reports escalations and outcomes per agency for the year", async () => {
    const response = await node.api<{
      year: number;
      dueBefore: string;
      agencies: { agency: string; escalated: number; approved: number; rejected: number; pending: number }[];
      totals: { escalated: number };
    }>("GET", "/api/v1/reports/aca?year=2026", undefined, tokens.auditor);
    expect(response.status).toBe(200);
    expect(response.body.dueBefore).toBe("2027-03-01");
    const rcmp = response.body.agencies.find((a) => a.agency === "ca-rcmp");
    const pending = (
      await node.deps.database.db.selectFrom("approvals").select("id").where("status", "=", "pending").execute()
    ).length;
    expect(rcmp).toMatchObject({ approved: 1, rejected: 1, pending });
    expect(rcmp?.escalated).toBe(2 + pending);
    expect(response.body.agencies.find((a) => a.agency === "ca-cbsa")).toMatchObject({ escalated: 0 });
    expect(response.body.agencies.some((a) => a.agency === "ca-hc-ocs")).toBe(false);
    const lastYear = await node.api<{ totals: { escalated: number } }>(
      "GET",
      "/api/v1/reports/aca?year=2025",
      undefined,
      tokens.auditor,
    );
    expect(lastYear.body.totals.escalated).toBe(0);
    expect(
      (await node.api<{ code: string }>("GET", "/api/v1/reports/aca?year=2026", undefined, tokens.officer)).body.code,
    ).toBe("LIAISON_POLICY_DENIED");
    expect(
      (await node.api<{ code: string }>("GET", "/api/v1/reports/aca?year=twenty", undefined, tokens.auditor)).body.code,
    ).toBe("LIAISON_REQUEST_INVALID");
  });

  // Issue 22 item 3: direction 1(3) lets the deputy head authorise an undetermined case only on determining
  // that the risk can be mitigated, with the measures taken; the measures must be on the held message.
  it.each([
    {
      name: "a written basis and no determination",
      body: { approve: true, basis: "I have read the file and think it is fine." },
      code: "LIAISON_APPROVALS_DETERMINATION_REQUIRED",
    },
    {
      name: "the determination that the risk cannot be mitigated",
      body: {
        approve: true,
        basis: "Approving anyway.",
        determination: "risk-cannot-be-mitigated",
        measures: [assurance],
      },
      code: "LIAISON_APPROVALS_DETERMINATION_REQUIRED",
    },
    {
      name: "a determination without measures",
      body: { approve: true, basis: "The risk can be mitigated.", determination: "risk-can-be-mitigated" },
      code: "LIAISON_APPROVALS_MEASURES_REQUIRED",
    },
    {
      name: "a caveat the held message does not carry (H3 restriction)",
      body: {
        approve: true,
        basis: "Restricted use mitigates the risk.",
        determination: "risk-can-be-mitigated",
        measures: [{ measure: "caveat-restricted-use" }],
      },
      code: "LIAISON_APPROVALS_MEASURE_NOT_ATTACHED",
    },
    {
      name: "an assurance dated after today",
      body: {
        approve: true,
        basis: "An assurance will be given next month.",
        determination: "risk-can-be-mitigated",
        measures: [{ ...assurance, givenAt: "2026-07-15" }],
      },
      code: "LIAISON_APPROVALS_MEASURE_NOT_ATTACHED",
    },
    {
      name: "free text in place of a measure",
      body: { approve: true, basis: "Mitigated.", determination: "risk-can-be-mitigated", measures: ["N/A"] },
      code: "LIAISON_REQUEST_INVALID",
    },
  ])(
    "ACA direction 1(3): refuses approval of an undetermined case with $name, changes nothing",
    async ({ body, code }) => {
      const { approvalId } = await escalate(principals.officer as Principal);
      const response = await node.api<{ code: string }>(
        "POST",
        `/api/v1/approvals/${approvalId}/decision`,
        body,
        tokens.approver,
      );
      expect([response.status >= 400 && response.status < 500, response.body.code]).toEqual([true, code]);
      expect(await approvalRow(approvalId)).toMatchObject({
        status: "pending",
        determination: null,
        approver_id: null,
      });
      expect(outcomes.some((o) => o.approvalId === approvalId)).toBe(false);
    },
  );

  it("ACA direction 1(3): a rejection needs no measures; the report lists determinations with their measures", async () => {
    const { approvalId } = await escalate(principals.officer as Principal);
    const rejected = await node.api<{ status: string }>(
      "POST",
      `/api/v1/approvals/${approvalId}/decision`,
      { approve: false, basis: "No assurance can be obtained.", determination: "risk-cannot-be-mitigated" },
      tokens.approver,
    );
    expect(rejected.status).toBe(200);
    const report = await node.api<{
      agencies: {
        agency: string;
        determinations: { approvalId: string; determination: string; measures: string[] }[];
      }[];
      totals: { determinations: number };
    }>("GET", "/api/v1/reports/aca?year=2026", undefined, tokens.auditor);
    const rcmp = report.body.agencies.find((a) => a.agency === "ca-rcmp");
    expect(rcmp?.determinations).toContainEqual(
      expect.objectContaining({ approvalId, determination: "risk-cannot-be-mitigated", measures: [] }),
    );
    expect(rcmp?.determinations).toContainEqual(
      expect.objectContaining({ determination: "risk-can-be-mitigated", measures: ["caveat-h2", "written-assurance"] }),
    );
    expect(report.body.totals.determinations).toBeGreaterThanOrEqual(2);
  });
});
