import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postBatch } from "../federation/craft.ts";
import { converged, type Plan, type Proposal, recomputedHash, startWorkplanNodes, stateHash } from "./helpers.ts";

// Two real nodes on a shared 2-core machine: a round trip can take seconds.
describe("workplan convergence between two nodes over HTTP", { timeout: 90_000 }, () => {
  let nodes: Awaited<ReturnType<typeof startWorkplanNodes>>;
  beforeAll(async () => {
    nodes = await startWorkplanNodes();
  }, 180_000);
  afterAll(async () => nodes?.close());

  it("after a partition with concurrent edits and conflicting proposals, both nodes hold the same plan", async () => {
    const { india, canada } = nodes;
    await converged(india, canada);
    // Cut the link both ways: each side goes on working alone.
    await Promise.all([india.deps.worker.stop(), canada.deps.worker.stop()]);
    const fromIndia = await india.api<{ id: string }>("POST", "/api/v1/workplan/proposals", {
      initiativeId: "toc-networks",
      change: { field: "objective", value: "Disrupt networks (India's wording)" },
    });
    const fromCanada = await canada.api<{ id: string }>("POST", "/api/v1/workplan/proposals", {
      initiativeId: "toc-networks",
      change: { field: "objective", value: "Disrupt networks (Canada's wording)" },
    });
    expect([fromIndia.status, fromCanada.status]).toEqual([201, 201]);
    for (let i = 0; i < 5; i++) {
      await india.api("POST", "/api/v1/workplan/initiatives/toc-networks/progress", {
        date: "2026-05-01",
        note: `IN ${i}`,
      });
      await canada.api("POST", "/api/v1/workplan/initiatives/toc-networks/progress", {
        date: "2026-05-01",
        note: `CA ${i}`,
      });
    }
    await india.api("POST", "/api/v1/workplan/initiatives/toc-networks/health", { health: "green" });
    await canada.api("POST", "/api/v1/workplan/initiatives/toc-networks/health", { health: "red" });
    expect(await stateHash(india)).not.toBe(await stateHash(canada));
    // Cut off, changes wait as rows behind the one envelope in flight, not as an envelope each.
    const pending = await india.deps.database.db
      .selectFrom("outbox")
      .select("envelope_id")
      .where("type", "=", "workplan.events")
      .where("status", "=", "pending")
      .execute();
    expect(pending).toHaveLength(1);

    // Heal.
    india.deps.worker.start();
    canada.deps.worker.start();
    const hash = await converged(india, canada);
    expect(await recomputedHash(canada)).toBe(hash);

    for (const node of [india, canada]) {
      const proposals = (await node.api<{ items: Proposal[] }>("GET", "/api/v1/workplan/proposals")).body.items;
      const statuses = [fromIndia.body.id, fromCanada.body.id].map((id) => proposals.find((p) => p.id === id)?.status);
      // One rule decides: the earlier in (lamport, party, id) stays open, the other is superseded.
      expect(statuses.sort()).toEqual(["proposed", "superseded"]);
      const plan = await node.api<Plan>("GET", "/api/v1/workplan");
      const toc = plan.body.initiatives.find((i) => i.id === "toc-networks");
      expect(toc?.health).toEqual({ IN: "green", CA: "red" });
      expect(toc?.progress.filter((p) => p.note.startsWith("IN ")).map((p) => p.party)).toEqual(Array(5).fill("IN"));
      expect(toc?.progress).toHaveLength(10);
    }

    // The survivor can be accepted by the other side; the superseded one cannot.
    const open = (
      await india.api<{ items: Proposal[] }>("GET", "/api/v1/workplan/proposals?status=proposed")
    ).body.items.find((p) => p.id === fromIndia.body.id || p.id === fromCanada.body.id) as Proposal;
    const decider = open.proposer === "IN" ? canada : india;
    const superseded = open.id === fromIndia.body.id ? fromCanada.body.id : fromIndia.body.id;
    const refused = await (decider === india ? canada : india).api<{ code: string }>(
      "POST",
      `/api/v1/workplan/proposals/${superseded}/accept`,
    );
    expect([refused.status, refused.body.code]).toEqual([409, "LIAISON_WORKPLAN_PROPOSAL_CLOSED"]);
    expect((await decider.api("POST", `/api/v1/workplan/proposals/${open.id}/accept`)).status).toBe(200);
    await converged(india, canada);
  });

  it("a duplicated envelope is acknowledged again and changes nothing", async () => {
    const { india, canada } = nodes;
    const hash = await converged(india, canada);
    const row = await india.deps.database.db
      .selectFrom("workplan_events")
      .select("envelope_id")
      .where("origin", "=", "IN")
      .executeTakeFirstOrThrow();
    const stored = await india.api<{ jwe: string }>(
      "GET",
      `/api/v1/federation/envelopes/${row.envelope_id}`,
      undefined,
      india.adminToken,
    );
    const again = await postBatch(canada, { envelopes: [stored.body.jwe, stored.body.jwe] });
    expect(again.body.results.every((r) => r.receipt)).toBe(true);
    expect(await stateHash(canada)).toBe(hash);
    expect(await recomputedHash(canada)).toBe(hash);
  });
});
