import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/nodes.ts";
import { converged, type Plan, type Proposal, startWorkplanNodes, stateHash } from "./helpers.ts";

// Two real nodes on a shared 2-core machine: a round trip can take seconds.
describe("workplan proposals between two nodes", { timeout: 90_000 }, () => {
  let nodes: Awaited<ReturnType<typeof startWorkplanNodes>>;
  beforeAll(async () => {
    nodes = await startWorkplanNodes();
  }, 180_000);
  afterAll(async () => nodes?.close());

  it("both nodes seed the same plan from workplan-2026.json, with the same hash", async () => {
    const plan = await nodes.india.api<Plan>("GET", "/api/v1/workplan");
    expect(plan.status).toBe(200);
    expect(plan.body.initiatives.map((i) => i.id)).toContain("drugs-precursors");
    expect(plan.body.initiatives[0]).toMatchObject({ id: "liaison-officers", lane: "security", status: "agreed" });
    expect(plan.body.initiatives[0]?.milestones).toEqual([]);
    expect(plan.body.indicators).toMatchObject({ available: false, note: "no exchange data" });
    const hash = await stateHash(nodes.india);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await stateHash(nodes.canada)).toBe(hash);
  });

  it("an accepted proposal takes effect on both sides, with who proposed and who accepted", async () => {
    const objective = `Liaison officers posted in both capitals ${Date.now()}`;
    const proposed = await nodes.india.api<{ id: string; status: string }>(
      "POST",
      "/api/v1/workplan/proposals",
      { initiativeId: "liaison-officers", change: { field: "objective", value: objective } },
      nodes.in.coordinator,
    );
    expect(proposed.status).toBe(201);
    expect(proposed.body.status).toBe("proposed");

    // Not in force anywhere until Canada accepts.
    const listed = await eventually(async () => {
      const r = await nodes.canada.api<{ items: Proposal[] }>("GET", "/api/v1/workplan/proposals");
      return r.body.items.find((p) => p.id === proposed.body.id);
    }, 25_000);
    expect(listed).toMatchObject({ status: "proposed", proposer: "IN" });
    const before = await nodes.india.api<Plan>("GET", "/api/v1/workplan");
    expect(before.body.initiatives.find((i) => i.id === "liaison-officers")?.objective).not.toBe(objective);

    // India cannot accept its own proposal.
    const own = await nodes.india.api<{ code: string }>(
      "POST",
      `/api/v1/workplan/proposals/${proposed.body.id}/accept`,
      {},
      nodes.in.coordinator,
    );
    expect(own.status).toBe(403);
    expect(own.body.code).toBe("LIAISON_WORKPLAN_OWN_PROPOSAL");

    const accepted = await nodes.canada.api<{ status: string }>(
      "POST",
      `/api/v1/workplan/proposals/${proposed.body.id}/accept`,
      {},
      nodes.ca.coordinator,
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe("accepted");
    await converged(nodes.india, nodes.canada);
    for (const node of [nodes.india, nodes.canada]) {
      const plan = await node.api<Plan>("GET", "/api/v1/workplan");
      const initiative = plan.body.initiatives.find((i) => i.id === "liaison-officers");
      expect(initiative?.objective).toBe(objective);
      expect(initiative?.history.at(-1)).toMatchObject({
        proposalId: proposed.body.id,
        proposedBy: { party: "IN" },
        acceptedBy: { party: "CA" },
      });
      const proposals = await node.api<{ items: Proposal[] }>("GET", "/api/v1/workplan/proposals?status=accepted");
      expect(proposals.body.items.find((p) => p.id === proposed.body.id)?.decidedByParty).toBe("CA");
    }
    // A decided proposal cannot be decided again.
    const again = await nodes.canada.api<{ code: string }>(
      "POST",
      `/api/v1/workplan/proposals/${proposed.body.id}/reject`,
      { reason: "changed our mind" },
      nodes.ca.coordinator,
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("LIAISON_WORKPLAN_PROPOSAL_CLOSED");
  });

  it("a rejected proposal changes nothing on either side", async () => {
    const hashBefore = await converged(nodes.india, nodes.canada);
    const planBefore = await nodes.canada.api<Plan>("GET", "/api/v1/workplan");
    const proposed = await nodes.canada.api<{ id: string }>(
      "POST",
      "/api/v1/workplan/proposals",
      { initiativeId: "cyber", change: { field: "status", value: "closed" } },
      nodes.ca.coordinator,
    );
    expect(proposed.status).toBe(201);
    // A second proposal on the same content while the first is open is refused, and stores nothing.
    const second = await nodes.canada.api<{ code: string }>(
      "POST",
      "/api/v1/workplan/proposals",
      { initiativeId: "cyber", change: { field: "status", value: "on-hold" } },
      nodes.ca.coordinator,
    );
    expect(second.status).toBe(409);
    expect(second.body.code).toBe("LIAISON_WORKPLAN_PROPOSAL_PENDING");
    const rejected = await eventually(async () => {
      const r = await nodes.india.api<{ status: string }>(
        "POST",
        `/api/v1/workplan/proposals/${proposed.body.id}/reject`,
        { reason: "the cyber dialogue continues" },
        nodes.in.coordinator,
      );
      return r.status === 200 && r.body;
    }, 25_000);
    expect(rejected.status).toBe("rejected");
    const hashAfter = await converged(nodes.india, nodes.canada);
    expect(hashAfter).not.toBe(hashBefore); // the proposal and its rejection are history
    for (const node of [nodes.india, nodes.canada]) {
      const plan = await node.api<Plan>("GET", "/api/v1/workplan");
      expect(plan.body.initiatives.find((i) => i.id === "cyber")?.status).toBe(
        planBefore.body.initiatives.find((i) => i.id === "cyber")?.status,
      );
      const p = (await node.api<{ items: Proposal[] }>("GET", "/api/v1/workplan/proposals")).body.items.find(
        (x) => x.id === proposed.body.id,
      );
      expect(p).toMatchObject({ status: "rejected", proposer: "CA", decidedByParty: "IN" });
    }
  });

  it("refuses bad proposals with a documented code and stores nothing", async () => {
    const hash = await converged(nodes.india, nodes.canada);
    const cases: [unknown, string, number, string][] = [
      [
        { initiativeId: "no-such-thing", change: { field: "objective", value: "x" } },
        nodes.in.coordinator,
        404,
        "LIAISON_WORKPLAN_INITIATIVE_NOT_FOUND",
      ],
      [
        { initiativeId: "cyber", change: { field: "objective", value: "  " } },
        nodes.in.coordinator,
        400,
        "LIAISON_REQUEST_INVALID",
      ],
      [
        { initiativeId: "cyber", change: { field: "colour", value: "red" } },
        nodes.in.coordinator,
        400,
        "LIAISON_REQUEST_INVALID",
      ],
      [
        {
          initiativeId: "drugs-precursors",
          change: { field: "initiative.add", value: { title: "t", lane: "drugs", objective: "o" } },
        },
        nodes.in.coordinator,
        409,
        "LIAISON_WORKPLAN_INITIATIVE_EXISTS",
      ],
      [
        {
          initiativeId: "cyber",
          change: { field: "milestone.add", value: { title: "t", dueDate: "2026-06-01", owner: "FR" } },
        },
        nodes.in.coordinator,
        400,
        "LIAISON_WORKPLAN_CHANGE_INVALID",
      ],
      [
        { initiativeId: "cyber", change: { field: "objective", value: "x" } },
        nodes.in.officer,
        403,
        "LIAISON_POLICY_DENIED",
      ],
      [
        { initiativeId: "cyber", change: { field: "objective", value: "x" } },
        nodes.india.adminToken,
        403,
        "LIAISON_POLICY_DENIED",
      ],
    ];
    for (const [body, token, status, code] of cases) {
      const r = await nodes.india.api<{ code: string }>("POST", "/api/v1/workplan/proposals", body, token);
      expect([r.status, r.body.code]).toEqual([status, code]);
    }
    expect(await stateHash(nodes.india)).toBe(hash);
    expect(await stateHash(nodes.canada)).toBe(hash);
  });

  it("seeding again as the administrator is a no-op; the plan's coordinators cannot seed", async () => {
    const hash = await stateHash(nodes.india);
    const again = await nodes.india.api<{ seeded: boolean; agreementId: string }>(
      "POST",
      "/api/v1/workplan/seed",
      undefined,
      nodes.india.adminToken,
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ agreementId: "in-ca-2026", seeded: false });
    const coordinator = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/workplan/seed",
      undefined,
      nodes.in.coordinator,
    );
    expect([coordinator.status, coordinator.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    expect(await stateHash(nodes.india)).toBe(hash);
  });

  it("publishes its endpoints in the OpenAPI document", async () => {
    const r = await nodes.india.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    const paths = Object.keys((r.json() as { paths: Record<string, unknown> }).paths);
    for (const path of [
      "/api/v1/workplan",
      "/api/v1/workplan/state-hash",
      "/api/v1/workplan/proposals",
      "/api/v1/workplan/report",
    ])
      expect(paths).toContain(path);
  });

  it("needs a token to read the plan", async () => {
    const r = await nodes.india.app.inject({ method: "GET", url: "/api/v1/workplan" });
    expect(r.statusCode).toBe(401);
    expect(r.headers["content-type"]).toContain("application/problem+json");
  });
});
