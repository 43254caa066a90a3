import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, actor } from "../exchange/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/**
 * Lists on one node: values normalised on the way in and stored only here; the audit names the type and size,
 * never a value; officers see their own agency's lists only; anyone else is refused and the refusal audited.
 */
describe("matching lists (POST/GET /api/v1/matching/lists)", () => {
  let node: TestNode;
  let officer: Actor;
  let otherAgencyOfficer: Actor;
  let approver: Actor;
  let noAgency: Actor;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN", listen: false });
    officer = await actor(node, "liaison-officer", "in-ncb");
    otherAgencyOfficer = await actor(node, "liaison-officer", "in-cbi");
    approver = await actor(node, "approver", "in-ncb");
    noAgency = await actor(node, "auditor");
  }, 120_000);
  afterAll(async () => node?.close());

  const PHONES = ["+91 98123 45678", "098123 45678", "+919812345678", "not a phone", "+1 416 555 0123"];
  const list = (overrides: Record<string, unknown> = {}) => ({
    name: "Couriers, Op. Lotus",
    identifierType: "phone",
    values: PHONES,
    defaultCountry: "IN",
    ...overrides,
  });

  async function audits(action: string, outcome: string) {
    await node.deps.audit.sequenceQueued();
    const rows = await node.deps.database.db
      .selectFrom("audit_leaves")
      .select(["actor", "subject", "data"])
      .where("action", "=", action)
      .where("outcome", "=", outcome)
      .execute();
    return rows.map((r) => ({ ...r, data: Buffer.from(r.data).toString() }));
  }

  it("registers a list: normalised, duplicates collapsed, refusals reported by index, nothing sent", async () => {
    const outboxBefore = await node.deps.database.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const created = await node.api<Record<string, unknown>>("POST", "/api/v1/matching/lists", list(), officer.token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      identifierType: "phone",
      agency: "in-ncb",
      queryable: false,
      size: 2,
      duplicates: 2,
      rejectedCount: 1,
      rejected: [{ index: 3, code: "LIAISON_MATCHING_INVALID_PHONE" }],
    });
    const stored = await node.deps.database.db
      .selectFrom("matching_list_values")
      .select("value")
      .where("list_id", "=", created.body.id as string)
      .orderBy("value")
      .execute();
    expect(stored.map((r) => r.value)).toEqual(["+14165550123", "+919812345678"]);
    const outboxAfter = await node.deps.database.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(outboxAfter.n)).toBe(Number(outboxBefore.n));
    // the audit record says who, the type and the size; never a value
    const [record] = (await audits("matching.list.create", "success")).filter((a) => a.subject === created.body.id);
    expect(record?.actor).toBe(officer.id);
    expect(record?.data).toContain('"size":2');
    for (const v of ["9812345678", "4165550123"]) expect(record?.data).not.toContain(v);
  });

  it("an officer sees the agency's lists; another agency's officer does not", async () => {
    const created = await node.api<{ id: string }>(
      "POST",
      "/api/v1/matching/lists",
      list({ queryable: true }),
      officer.token,
    );
    const mine = await node.api<{ items: { id: string }[] }>("GET", "/api/v1/matching/lists", undefined, officer.token);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((i) => i.id)).toContain(created.body.id);
    const theirs = await node.api<{ items: unknown[] }>(
      "GET",
      "/api/v1/matching/lists",
      undefined,
      otherAgencyOfficer.token,
    );
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
  });

  it("attackers: a role without the permission, a principal without agency, the administrator; each refused and audited", async () => {
    const countBefore = await node.deps.database.db
      .selectFrom("matching_lists")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const byApprover = await node.api<{ code: string }>("POST", "/api/v1/matching/lists", list(), approver.token);
    expect([byApprover.status, byApprover.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    const readByApprover = await node.api<{ code: string }>("GET", "/api/v1/matching/lists", undefined, approver.token);
    expect([readByApprover.status, readByApprover.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    const byNoAgency = await node.api<{ code: string }>("POST", "/api/v1/matching/lists", list(), noAgency.token);
    expect([byNoAgency.status, byNoAgency.body.code]).toEqual([403, "LIAISON_MATCHING_NO_AGENCY"]);
    const byAdmin = await node.api<{ code: string }>("POST", "/api/v1/matching/lists", list());
    expect(byAdmin.status).toBe(403);
    const unauthenticated = await node.app.inject({ method: "POST", url: "/api/v1/matching/lists", payload: list() });
    expect(unauthenticated.statusCode).toBe(401);
    const badType = await node.api<{ code: string }>(
      "POST",
      "/api/v1/matching/lists",
      list({ identifierType: "dna" }),
      officer.token,
    );
    expect([badType.status, badType.body.code]).toEqual([400, "LIAISON_REQUEST_INVALID"]);
    const denials = await audits("matching.list.create", "denied");
    expect(denials.map((d) => d.actor)).toContain(approver.id);
    expect((await audits("matching.list.read", "denied")).map((d) => d.actor)).toContain(approver.id);
    for (const d of denials) expect(d.data).not.toContain("9812345678");
    const countAfter = await node.deps.database.db
      .selectFrom("matching_lists")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(countAfter.n)).toBe(Number(countBefore.n));
  });
});
