import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/core/ids.ts";
import { envelopeFactory, postBatch } from "../federation/craft.ts";
import { eventually } from "../support/nodes.ts";
import { addMilestone, converged, type Plan, startWorkplanNodes, stateHash } from "./helpers.ts";

// Two real nodes on a shared 2-core machine: a round trip can take seconds.
describe("workplan ownership across two nodes", { timeout: 90_000 }, () => {
  let nodes: Awaited<ReturnType<typeof startWorkplanNodes>>;
  let indianMilestone: string;
  beforeAll(async () => {
    nodes = await startWorkplanNodes();
    // An Indian milestone on the drugs lane, agreed by Canada.
    indianMilestone = await addMilestone(
      nodes.india,
      nodes.in.coordinator,
      nodes.canada,
      nodes.ca.coordinator,
      "drugs-precursors",
      {
        title: "NCB-RCMP precursor alert channel live",
        dueDate: "2026-06-30",
        owner: "IN",
      },
    );
  }, 180_000);
  afterAll(async () => nodes?.close());

  it("the owner's progress, milestone status and health replicate to the peer", async () => {
    const note = `First joint precursor alert exchanged ${randomUUID()}`;
    const progress = await nodes.india.api(
      "POST",
      "/api/v1/workplan/initiatives/drugs-precursors/progress",
      { date: "2026-03-10", note },
      nodes.in.coordinator,
    );
    expect(progress.status).toBe(201);
    const status = await nodes.india.api(
      "POST",
      `/api/v1/workplan/milestones/${indianMilestone}/status`,
      { status: "in-progress" },
      nodes.in.coordinator,
    );
    expect(status.status).toBe(200);
    const evidence = await nodes.india.api(
      "POST",
      `/api/v1/workplan/milestones/${indianMilestone}/evidence`,
      { url: "https://example.org/ncb-rcmp-channel-minutes" },
      nodes.in.coordinator,
    );
    expect(evidence.status).toBe(201);
    const foreignEvidence = await nodes.canada.api<{ code: string }>(
      "POST",
      `/api/v1/workplan/milestones/${indianMilestone}/evidence`,
      { url: "https://example.org/not-canadas-to-add" },
      nodes.ca.coordinator,
    );
    expect([foreignEvidence.status, foreignEvidence.body.code]).toEqual([403, "LIAISON_WORKPLAN_NOT_OWNER"]);
    const health = await nodes.canada.api(
      "POST",
      "/api/v1/workplan/initiatives/drugs-precursors/health",
      { health: "amber" },
      nodes.ca.coordinator,
    );
    expect(health.status).toBe(200);
    await converged(nodes.india, nodes.canada);
    const plan = await nodes.canada.api<Plan>("GET", "/api/v1/workplan");
    const initiative = plan.body.initiatives.find((i) => i.id === "drugs-precursors");
    expect(initiative?.progress.find((p) => p.note === note)?.party).toBe("IN");
    expect(initiative?.milestones.find((m) => m.id === indianMilestone)?.status).toBe("in-progress");
    expect(initiative?.milestones.find((m) => m.id === indianMilestone)?.evidence).toEqual([
      "https://example.org/ncb-rcmp-channel-minutes",
    ]);
    expect(initiative?.health).toEqual({ IN: null, CA: "amber" });
  });

  it("a liaison officer reports progress on initiatives its own agency leads, and only those", async () => {
    const username = `in.ncb.officer.${randomUUID().slice(0, 8)}`;
    const password = `pw-${randomUUID()}`;
    const identity = nodes.india.deps.identity;
    await identity.users.create({ username, role: "liaison-officer", agency: "in-ncb", password }, { id: "test" });
    const { token } = await identity.auth.login(username, password, { ip: "127.0.0.1" });
    const lead = await nodes.india.api(
      "POST",
      "/api/v1/workplan/initiatives/drugs-precursors/progress",
      { date: "2026-03-12", note: "NCB: precursor desk staffed" },
      token,
    );
    expect(lead.status).toBe(201);
    const other = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/workplan/initiatives/cyber/progress",
      { date: "2026-03-12", note: "not NCB's initiative" },
      token,
    );
    expect([other.status, other.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    const proposal = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/workplan/proposals",
      { initiativeId: "drugs-precursors", change: { field: "objective", value: "x" } },
      token,
    );
    expect([proposal.status, proposal.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    await converged(nodes.india, nodes.canada);
  });

  it("a party cannot change the other's milestone or action items, and nothing is stored", async () => {
    const review = await nodes.canada.api<{ actionItems: { id: string; owner: string }[] }>(
      "POST",
      "/api/v1/workplan/reviews",
      {
        date: "2026-03-20",
        title: "First review",
        attendees: ["NSA", "NSIA"],
        decisions: ["Post officers by June"],
        actionItems: [{ text: "Name the Indian liaison officer", owner: "IN", due: "2026-04-30" }],
      },
      nodes.ca.coordinator,
    );
    expect(review.status).toBe(201);
    const action = review.body.actionItems[0] as { id: string };
    const hash = await converged(nodes.india, nodes.canada);

    const attempts = [
      await nodes.canada.api<{ code: string }>(
        "POST",
        `/api/v1/workplan/milestones/${indianMilestone}/status`,
        { status: "done" },
        nodes.ca.coordinator,
      ),
      await nodes.canada.api<{ code: string }>(
        "POST",
        `/api/v1/workplan/actions/${action.id}/status`,
        { status: "done" },
        nodes.ca.coordinator,
      ),
    ];
    for (const r of attempts) expect([r.status, r.body.code]).toEqual([403, "LIAISON_WORKPLAN_NOT_OWNER"]);
    const unknown = await nodes.india.api<{ code: string }>(
      "POST",
      `/api/v1/workplan/actions/${randomUUID()}/status`,
      { status: "done" },
      nodes.in.coordinator,
    );
    expect([unknown.status, unknown.body.code]).toEqual([404, "LIAISON_WORKPLAN_ACTION_NOT_FOUND"]);
    const analyst = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/workplan/initiatives/cyber/progress",
      { date: "2026-03-10", note: "x" },
      nodes.in.analyst,
    );
    expect([analyst.status, analyst.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    // An officer reports progress only on initiatives its own agency leads; this token names no agency.
    const officer = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/workplan/initiatives/cyber/progress",
      { date: "2026-03-10", note: "x" },
      nodes.in.officer,
    );
    expect([officer.status, officer.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    expect(await stateHash(nodes.canada)).toBe(hash);

    // The owner may.
    const own = await nodes.india.api(
      "POST",
      `/api/v1/workplan/actions/${action.id}/status`,
      { status: "done" },
      nodes.in.coordinator,
    );
    expect(own.status).toBe(200);
    await converged(nodes.india, nodes.canada);
  });

  it("the receiving node refuses a crafted Canadian event that edits India's milestone", async () => {
    const hash = await converged(nodes.india, nodes.canada);
    const craft = envelopeFactory(nodes.canada, nodes.india);
    const lamport = 10_000;
    const event = (over: Record<string, unknown>) => ({
      id: uuidv7(),
      origin: "CA",
      lamport,
      at: new Date().toISOString(),
      actor: "forger",
      ...over,
    });
    const forged = [
      // Canada edits India's milestone.
      {
        body: { events: [event({ kind: "milestone.status", milestoneId: indianMilestone, status: "done" })] },
        code: "LIAISON_WORKPLAN_NOT_OWNER",
      },
      // Canada speaks in India's name.
      {
        body: {
          events: [
            event({ origin: "IN", kind: "progress.add", initiativeId: "cyber", date: "2026-03-01", note: "forged" }),
          ],
        },
        code: "LIAISON_WORKPLAN_ORIGIN_MISMATCH",
      },
    ];
    for (const f of forged) {
      const jwe = await craft.seal(craft.payload({ type: "workplan.events", body: f.body }));
      const r = await postBatch(nodes.india, { envelopes: [jwe] });
      expect(r.status).toBe(200);
      expect(r.body.results[0]?.error?.code).toBe(f.code);
    }
    expect(await stateHash(nodes.india)).toBe(hash);
    const plan = await nodes.india.api<Plan>("GET", "/api/v1/workplan");
    expect(plan.body.initiatives.flatMap((i) => i.milestones).find((m) => m.id === indianMilestone)?.status).toBe(
      "in-progress",
    );

    // The same path accepts a well-formed Canadian event: the refusal above was about ownership.
    const note = `genuine ${randomUUID()}`;
    const jwe = await craft.seal(
      craft.payload({
        type: "workplan.events",
        body: { events: [event({ kind: "progress.add", initiativeId: "cyber", date: "2026-03-01", note })] },
      }),
    );
    const ok = await postBatch(nodes.india, { envelopes: [jwe] });
    expect(ok.body.results[0]?.receipt).toBeTruthy();
    await eventually(async () => {
      const p = await nodes.india.api<Plan>("GET", "/api/v1/workplan");
      return p.body.initiatives.find((i) => i.id === "cyber")?.progress.some((x) => x.note === note);
    }, 25_000);
  });
});
