import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComplianceInput } from "../../src/modules/compliance/compliance.types.ts";
import type { Principal } from "../../src/modules/identity/principal.ts";
import { auditedEvents, denialsOf } from "../policy/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import {
  type Administrators,
  administrators,
  approveGrant,
  auditCount,
  createUser,
  login,
  STRONG_PASSWORD,
  uniqueName,
} from "./helpers.ts";

type UserList = { items: { id: string; username: string; status: string }[] };

describe("user administration", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN" });
  });
  afterAll(async () => node?.close());

  const cases: [string, Record<string, unknown>, number, string][] = [
    ["an unknown agency", { role: "analyst", agency: "in-nowhere" }, 400, "LIAISON_IDENTITY_UNKNOWN_AGENCY"],
    ["the other party's agency", { role: "analyst", agency: "ca-rcmp" }, 400, "LIAISON_IDENTITY_UNKNOWN_AGENCY"],
    ["an unknown role", { role: "superuser", agency: "in-ncb" }, 400, "LIAISON_IDENTITY_UNKNOWN_ROLE"],
    ["no agency for an officer", { role: "liaison-officer" }, 400, "LIAISON_IDENTITY_AGENCY_REQUIRED"],
    [
      "a lane the agency does not serve",
      { role: "analyst", agency: "in-ncb", lanes: ["cyber"] },
      400,
      "LIAISON_IDENTITY_UNKNOWN_LANE",
    ],
    [
      "a short password",
      { role: "analyst", agency: "in-ncb", password: "Sh0rt!" },
      400,
      "LIAISON_IDENTITY_WEAK_PASSWORD",
    ],
    [
      "a password of one class",
      { role: "analyst", agency: "in-ncb", password: "abcdefghijklmn" },
      400,
      "LIAISON_IDENTITY_WEAK_PASSWORD",
    ],
    ["a malformed username", { role: "analyst", agency: "in-ncb", username: "a b" }, 400, "LIAISON_REQUEST_INVALID"],
  ];
  it.each(cases)("refuses %s with a precise code and stores nothing", async (_label, fields, status, code) => {
    const username = (fields.username as string | undefined) ?? uniqueName("bad");
    const before = await node.api<UserList>("GET", "/api/v1/users");
    const auditedBefore = await auditCount(node, "user.create");
    const response = await node.api<{ code: string; detail: string }>("POST", "/api/v1/users", {
      password: STRONG_PASSWORD,
      ...fields,
      username,
    });
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    const after = await node.api<UserList>("GET", "/api/v1/users");
    expect(after.body.items.length).toBe(before.body.items.length);
    expect(await auditCount(node, "user.create")).toBe(auditedBefore);
    expect(after.body.items.some((u) => u.username === username)).toBe(false);
  });

  it("refuses a taken username", async () => {
    const user = await createUser(node);
    const again = await node.api<{ code: string }>("POST", "/api/v1/users", {
      username: user.username,
      role: "analyst",
      agency: "in-ncb",
      password: STRONG_PASSWORD,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("LIAISON_IDENTITY_USERNAME_TAKEN");
  });

  it("lets only administrators manage users", async () => {
    const officer = await createUser(node);
    const { body } = await login(node, officer.username, STRONG_PASSWORD);
    const list = await node.api<{ code: string }>("GET", "/api/v1/users", undefined, body.token);
    expect(list.status).toBe(403);
    expect(list.body.code).toBe("LIAISON_POLICY_DENIED");
    const create = await node.api<{ code: string }>(
      "POST",
      "/api/v1/users",
      { username: uniqueName("x"), role: "administrator", password: STRONG_PASSWORD },
      body.token,
    );
    expect(create.status).toBe(403);
  });

  it("lists users without password hashes, creates node-wide roles without an agency, and disables", async () => {
    const auditor = await createUser(node, { role: "auditor", agency: undefined });
    const list = await node.api<UserList>("GET", "/api/v1/users");
    expect(list.body.items.find((u) => u.id === auditor.id)).toMatchObject({ status: "active" });
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password/i);
    expect(await auditCount(node, "user.create", auditor.id)).toBe(1);

    const session = (await login(node, auditor.username, STRONG_PASSWORD)).body.token;
    const disabled = await node.api<{ status: string }>("POST", `/api/v1/users/${auditor.id}/disable`);
    expect(disabled.body.status).toBe("disabled");
    expect((await node.api("GET", "/api/v1/auth/me", undefined, session)).status).toBe(401);
    expect((await login(node, auditor.username, STRONG_PASSWORD)).status).toBe(401);
    const missing = await node.api<{ code: string }>(
      "POST",
      "/api/v1/users/01890000-0000-7000-8000-000000000000/disable",
    );
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("LIAISON_IDENTITY_USER_NOT_FOUND");
  });
});

/**
 * Four eyes per person (docs/identity.md): a grant of the approver, auditor or administrator role waits for a
 * second administrator, and no approval is decided by someone who created or last changed the requester's
 * account, or the other way round. Each refusal answers problem+json, is audited and changes nothing.
 */
describe("four eyes on roles", () => {
  let node: TestNode;
  let admins: Administrators;
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
  const released: string[] = [];

  beforeAll(async () => {
    node = await startTestNode({ party: "CA", listen: false });
    node.deps.approvals.onDecided("test.four-eyes", async (change, outcome) => {
      released.push(outcome.subjectId);
      change.audit({ actor: outcome.approver.id, action: "test.release", subject: outcome.subjectId, outcome: "ok" });
    });
    admins = await administrators(node);
  }, 180_000);
  afterAll(async () => node?.close());

  const user = (id: string) =>
    node.deps.database.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const approval = (id: string) =>
    node.deps.database.db.selectFrom("approvals").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const decide = (id: string, token: string, approve = true) =>
    node.app.inject({
      method: "POST",
      url: `/api/v1/approvals/${id}/decision`,
      headers: { authorization: `Bearer ${token}` },
      payload: { approve, basis: "Checked against the appointment letter of the deputy head." },
    });
  async function escalate(requester: Principal) {
    const decision = await node.deps.compliance.evaluate(undetermined, requester);
    expect(decision.decision).toBe("escalate");
    return node.deps.changes.run((change) =>
      node.deps.approvals.request(change, {
        kind: "test.four-eyes",
        subjectId: `item-${Math.random().toString(36).slice(2)}`,
        requester,
        input: undetermined,
        decision,
        summary: "Disclose a suspect's address to NCB",
      }),
    );
  }
  async function expectRefused(id: string, token: string, code: string, policy: string) {
    const before = await approval(id);
    const response = await decide(id, token);
    expect(response.statusCode).toBe(403);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const problem = response.json() as { code: string; requestId: string; reasons: { policy: string }[] };
    expect(problem.code).toBe(code);
    expect(problem.reasons.map((r) => r.policy)).toContain(policy);
    expect(await denialsOf(node, problem.requestId)).toMatchObject([{ action: "approval.decide", outcome: "denied" }]);
    expect(await approval(id)).toEqual(before);
  }

  it("one administrator cannot make an approver alone: the account waits, and only a second one grants it", async () => {
    const username = uniqueName("ca.approver");
    const requested = await node.api<{ id: string; status: string; approvalId: string }>(
      "POST",
      "/api/v1/users",
      { username, role: "approver", agency: "ca-rcmp", password: STRONG_PASSWORD },
      admins.first.token,
    );
    expect(requested.status).toBe(202);
    expect(requested.body.status).toBe("pending");
    expect((await login(node, username, STRONG_PASSWORD)).status).toBe(401);
    // The requester itself, and the bootstrap token that created the requester's account, are refused.
    await expectRefused(
      requested.body.approvalId,
      admins.first.token,
      "LIAISON_APPROVALS_SELF_APPROVAL",
      "approvals-four-eyes",
    );
    await expectRefused(
      requested.body.approvalId,
      node.adminToken,
      "LIAISON_APPROVALS_ACCOUNT_LINK",
      "approvals-account-links",
    );
    expect((await user(requested.body.id)).status).toBe("pending");
    // An approver of the agency decides disclosures, not role grants.
    const approver = await createUser(node, { role: "approver", agency: "ca-rcmp" });
    const approverToken = (await login(node, approver.username, STRONG_PASSWORD)).body.token;
    expect((await decide(requested.body.approvalId, approverToken)).statusCode).toBe(404);

    expect((await decide(requested.body.approvalId, admins.second.token)).statusCode).toBe(200);
    expect(await user(requested.body.id)).toMatchObject({ status: "active", role: "approver" });
    expect((await login(node, username, STRONG_PASSWORD)).status).toBe(200);
    expect(await auditedEvents(node, "user.role.grant")).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: admins.second.id, subject: requested.body.id })]),
    );
  });

  it("changing a role to or from approver, auditor or administrator waits; other changes apply at once", async () => {
    const officer = await createUser(node, { role: "liaison-officer", agency: "ca-rcmp" });
    const change = await node.api<{ role: string; approvalId: string }>(
      "POST",
      `/api/v1/users/${officer.id}/role`,
      { role: "auditor" },
      admins.first.token,
    );
    expect(change.status).toBe(202);
    expect((await user(officer.id)).role).toBe("liaison-officer");
    const again = await node.api<{ code: string }>(
      "POST",
      `/api/v1/users/${officer.id}/role`,
      { role: "analyst", agency: "ca-rcmp" },
      admins.first.token,
    );
    expect([again.status, again.body.code]).toEqual([409, "LIAISON_IDENTITY_GRANT_PENDING"]);
    expect((await decide(change.body.approvalId, admins.second.token)).statusCode).toBe(200);
    expect(await user(officer.id)).toMatchObject({ role: "auditor", agency: null, updated_by: admins.second.id });

    const analyst = await createUser(node, { role: "analyst", agency: "ca-rcmp" });
    const direct = await node.api<{ role: string }>(
      "POST",
      `/api/v1/users/${analyst.id}/role`,
      { role: "liaison-officer", agency: "ca-rcmp" },
      admins.first.token,
    );
    expect([direct.status, direct.body.role]).toEqual([200, "liaison-officer"]);
    expect(await auditedEvents(node, "user.role.change")).toEqual(
      expect.arrayContaining([expect.objectContaining({ subject: analyst.id, actor: admins.first.id })]),
    );
  });

  it("an administrator who made an officer, then became an approver, cannot approve that officer's disclosure", async () => {
    // A third administrator, granted by four eyes, creates an officer...
    const third = await createUser(node, { role: "administrator" });
    const thirdToken = (await login(node, third.username, STRONG_PASSWORD)).body.token;
    const officer = await node.api<{ id: string; username: string }>(
      "POST",
      "/api/v1/users",
      { username: uniqueName("ca.officer"), role: "liaison-officer", agency: "ca-rcmp", password: STRONG_PASSWORD },
      thirdToken,
    );
    expect(officer.status).toBe(201);
    // ...and is then made an approver of the officer's agency (four eyes again).
    const toApprover = await node.api<{ approvalId: string }>(
      "POST",
      `/api/v1/users/${third.id}/role`,
      { role: "approver", agency: "ca-rcmp" },
      admins.first.token,
    );
    await approveGrant(node, toApprover.body.approvalId);
    const asApprover = (await login(node, third.username, STRONG_PASSWORD)).body.token;
    const requester = {
      id: officer.body.id,
      username: officer.body.username,
      role: "liaison-officer",
      party: "CA",
      agency: "ca-rcmp",
    };
    const { approvalId } = await escalate(requester);
    await expectRefused(approvalId, asApprover, "LIAISON_APPROVALS_ACCOUNT_LINK", "approvals-account-links");
    expect(released).not.toContain((await approval(approvalId)).subject_id);
    // An approver nobody of the two stands behind decides it (here: declines, no determination needed).
    const other = await createUser(node, { role: "approver", agency: "ca-rcmp" });
    const otherToken = (await login(node, other.username, STRONG_PASSWORD)).body.token;
    expect((await decide(approvalId, otherToken, false)).statusCode).toBe(200);
  });

  it("and the other way round: an approver cannot decide for the administrator who created the approver's account", async () => {
    const third = await createUser(node, { role: "administrator" });
    const thirdToken = (await login(node, third.username, STRONG_PASSWORD)).body.token;
    const asked = await node.api<{ id: string; approvalId: string }>(
      "POST",
      "/api/v1/users",
      { username: uniqueName("ca.approver"), role: "approver", agency: "ca-rcmp", password: STRONG_PASSWORD },
      thirdToken,
    );
    // Not by the second administrator, who granted the third's own role (four eyes per person again).
    await approveGrant(node, asked.body.approvalId, node.adminToken);
    const approverName = (await user(asked.body.id)).username;
    const approverToken = (await login(node, approverName, STRONG_PASSWORD)).body.token;
    // The administrator becomes an officer of the agency and escalates a disclosure.
    const toOfficer = await node.api<{ approvalId: string }>(
      "POST",
      `/api/v1/users/${third.id}/role`,
      { role: "liaison-officer", agency: "ca-rcmp" },
      admins.first.token,
    );
    await approveGrant(node, toOfficer.body.approvalId);
    const requester = {
      id: third.id,
      username: third.username,
      role: "liaison-officer",
      party: "CA",
      agency: "ca-rcmp",
    };
    const { approvalId } = await escalate(requester);
    await expectRefused(approvalId, approverToken, "LIAISON_APPROVALS_ACCOUNT_LINK", "approvals-account-links");
  });
});
