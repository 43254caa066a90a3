import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, login } from "../identity/helpers.ts";
import { denialsOf } from "../policy/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/**
 * The workplan on the one authorization path: Cedar (policies/access/workplan.cedar) decides every route, with
 * no role table or alias in TypeScript; each refusal answers problem+json, is audited with its request id, and
 * stores nothing.
 */
let node: TestNode;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

async function user(name: string, role: string, agency: string) {
  const created = await createUser(node, { role, agency });
  tokens[name] = (await login(node, created.username, created.password)).body.token;
  ids[name] = created.id;
}

const events = async () =>
  Number(
    (
      await node.deps.database.db
        .selectFrom("workplan_events")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  node = await startTestNode({ party: "IN", listen: false });
  await node.deps.workplan.seed();
  await user("analyst", "analyst", "in-ncb");
  await user("coordinator", "workplan-coordinator", "in-mha");
  // An officer of an agency that leads no initiative with in-ncb alone: drugs-precursors is NCB's.
  await user("mhaOfficer", "liaison-officer", "in-mha");
}, 120_000);
afterAll(async () => node?.close());

describe("workplan authorization", () => {
  it.each([
    {
      name: "an analyst proposes a change",
      who: "analyst",
      method: "POST",
      path: "/api/v1/workplan/proposals",
      body: {
        initiativeId: "drugs-precursors",
        change: { field: "milestone.add", value: { title: "x", dueDate: "2026-09-30", owner: "IN" } },
      },
      action: "proposal.create",
    },
    {
      name: "a coordinator seeds the plan (node operation)",
      who: "coordinator",
      method: "POST",
      path: "/api/v1/workplan/seed",
      action: "workplan.seed",
    },
    {
      name: "an officer of another agency reports progress on NCB's initiative",
      who: "mhaOfficer",
      method: "POST",
      path: "/api/v1/workplan/initiatives/drugs-precursors/progress",
      body: { date: "2026-03-10", note: "not ours to report" },
      action: "progress.update",
    },
    {
      name: "an analyst records a review",
      who: "analyst",
      method: "POST",
      path: "/api/v1/workplan/reviews",
      body: { date: "2026-03-01", title: "x" },
      action: "review.manage",
    },
  ])("refuses when $name: problem+json, audited with the request id, nothing stored", async (c) => {
    const before = await events();
    const response = await node.app.inject({
      method: c.method as "POST",
      url: c.path,
      headers: { authorization: `Bearer ${tokens[c.who]}` },
      ...(c.body ? { payload: c.body } : {}),
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const problem = response.json() as { code: string; requestId: string; reasons: { policy: string }[] };
    expect(problem.code).toBe("LIAISON_POLICY_DENIED");
    expect(problem.reasons.length).toBeGreaterThan(0);
    const denials = await denialsOf(node, problem.requestId);
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({ actor: ids[c.who], action: c.action, outcome: "denied" });
    expect(await events()).toBe(before);
  });

  it("the administrator runs the node, not the plan: reading it is refused and audited", async () => {
    const response = await node.app.inject({
      method: "GET",
      url: "/api/v1/workplan",
      headers: { authorization: `Bearer ${node.adminToken}` },
    });
    expect(response.statusCode).toBe(403);
    const problem = response.json() as { code: string; requestId: string };
    expect(problem.code).toBe("LIAISON_POLICY_DENIED");
    expect(await denialsOf(node, problem.requestId)).toMatchObject([{ action: "workplan.read", outcome: "denied" }]);
  });

  it("permits what workplan.cedar permits: the coordinator proposes, the analyst reads", async () => {
    const read = await node.api("GET", "/api/v1/workplan", undefined, tokens.analyst);
    expect(read.status).toBe(200);
    const proposed = await node.api(
      "POST",
      "/api/v1/workplan/proposals",
      {
        initiativeId: "drugs-precursors",
        change: { field: "milestone.add", value: { title: "Joint alert drill", dueDate: "2026-09-30", owner: "IN" } },
      },
      tokens.coordinator,
    );
    expect(proposed.status).toBe(201);
  });

  it("has no role table, action alias or role guard of its own", () => {
    const service = readFileSync("src/modules/workplan/workplan.service.ts", "utf8");
    const routes = readFileSync("src/modules/workplan/workplan.routes.ts", "utf8");
    for (const text of [service, routes]) {
      expect(text).not.toMatch(/FALLBACK_ROLES|CEDAR_ACTIONS|requireRole|\.role\b/);
      expect(text).not.toMatch(/"workplan:/);
    }
  });
});
