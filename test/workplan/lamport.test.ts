import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/core/ids.ts";
import { countEvents } from "../../src/modules/workplan/workplan.repository.ts";
import { envelopeFactory, postBatch } from "../federation/craft.ts";
import { eventually, type TestNode } from "../support/nodes.ts";
import { converged, type Plan, startWorkplanNodes, stateHash } from "./helpers.ts";

type StoredEvent = { id: string; lamport: number; kind: string; origin: string };

/**
 * A peer chooses its events' Lamport values and ids, and the plan sorts by them: these envelopes are signed by
 * Canada's real key, so only the receiver's checks against its own state stand between them and India's history.
 */
describe("workplan: a peer's Lamport values are checked against state", { timeout: 120_000 }, () => {
  let nodes: Awaited<ReturnType<typeof startWorkplanNodes>>;
  let craft: ReturnType<typeof envelopeFactory>;
  beforeAll(async () => {
    nodes = await startWorkplanNodes();
    craft = envelopeFactory(nodes.canada, nodes.india);
  }, 180_000);
  afterAll(async () => nodes?.close());

  const eventsOn = async (node: TestNode, predicate: (e: StoredEvent) => boolean) => {
    const rows = await node.deps.database.db.selectFrom("workplan_events").select("body").execute();
    return rows.map((r) => r.body as StoredEvent).filter(predicate);
  };

  /** India proposes a change to an initiative; Canada accepts it; both converge. */
  async function acceptedProposal(initiativeId: string, value: string) {
    const proposed = await nodes.india.api<{ id: string }>("POST", "/api/v1/workplan/proposals", {
      initiativeId,
      change: { field: "objective", value },
    });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    await eventually(async () => {
      const r = await nodes.canada.api("POST", `/api/v1/workplan/proposals/${proposed.body.id}/accept`, {});
      return r.status === 200;
    }, 25_000);
    await converged(nodes.india, nodes.canada);
    const [accept] = await eventsOn(
      nodes.india,
      (e) => e.kind === "proposal.accept" && (e as unknown as { proposalId: string }).proposalId === proposed.body.id,
    );
    const [proposal] = await eventsOn(nodes.india, (e) => e.id === proposed.body.id);
    return { id: proposed.body.id, accept: accept as StoredEvent, proposal: proposal as StoredEvent };
  }

  const event = (over: Record<string, unknown>) => ({
    id: uuidv7(),
    origin: "CA",
    at: new Date().toISOString(),
    actor: "ca-forger",
    ...over,
  });

  /** Post one crafted envelope to India: refused with `code`, and India's plan, events and inbox unchanged. */
  async function expectRefused(events: Record<string, unknown>[], code: string) {
    const db = nodes.india.deps.database.db;
    const [hash, count] = [await stateHash(nodes.india), await countEvents(db)];
    const rejected = async () =>
      (await nodes.india.deps.metrics.envelopesRejected.get()).values.find((v) => v.labels.code === code)?.value ?? 0;
    const before = await rejected();
    const payload = craft.payload({ type: "workplan.events", body: { events } });
    const response = await postBatch(nodes.india, { envelopes: [await craft.seal(payload)] });
    expect(response.status).toBe(200);
    expect(response.body.results[0]?.error?.code, JSON.stringify(response.body)).toBe(code);
    expect(response.body.results[0]?.receipt).toBeUndefined();
    expect(await stateHash(nodes.india)).toBe(hash);
    expect(await countEvents(db)).toBe(count);
    const inbox = await db.selectFrom("inbox").select("envelope_id").where("envelope_id", "=", payload.id).execute();
    expect(inbox).toEqual([]);
    // Visible to the operator: counted by code, and an audit record that names the code.
    expect(await rejected()).toBe(before + 1);
    const audit = await nodes.india.deps.audit.events({ action: "envelope.reject", limit: 50 });
    expect(
      audit.items.some((r: { details?: { code?: string } }) => r.details?.code === code),
      JSON.stringify(audit.items.slice(0, 3)),
    ).toBe(true);
  }

  it("refuses an old rejection slid in before the acceptance Canada already sent", async () => {
    const p = await acceptedProposal("cyber", "Cyber policy dialogue twice a year");
    // Same Lamport value as the acceptance and the smallest id: it would sort first and reject the proposal.
    await expectRefused(
      [
        event({
          id: "00000000-0000-7000-8000-000000000000",
          lamport: p.accept.lamport,
          kind: "proposal.reject",
          proposalId: p.id,
          reason: "rewritten",
        }),
      ],
      "LIAISON_WORKPLAN_LAMPORT_NOT_ABOVE",
    );
    const plan = await nodes.india.api<Plan>("GET", "/api/v1/workplan");
    expect(plan.body.proposals.find((x) => x.id === p.id)?.status).toBe("accepted");
  });

  it("refuses a competing proposal backdated below Canada's own acceptance on the same content", async () => {
    const p = await acceptedProposal("drugs-precursors", "Precursor alerts within 24 hours");
    // Sorting with the accepted proposal's own value and "CA" < "IN", it would supersede it at birth.
    await expectRefused(
      [
        event({
          lamport: p.proposal.lamport,
          kind: "proposal.create",
          initiativeId: "drugs-precursors",
          change: { field: "objective", value: "Canada's backdated objective" },
        }),
      ],
      "LIAISON_WORKPLAN_LAMPORT_NOT_ABOVE",
    );
  });

  it("refuses an answer that sorts before its proposal", async () => {
    const proposed = await nodes.india.api<{ id: string }>("POST", "/api/v1/workplan/proposals", {
      initiativeId: "fraud-immigration",
      change: { field: "scope", value: "Visa fraud referrals" },
    });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const [proposal] = await eventsOn(nodes.india, (e) => e.id === proposed.body.id);
    await expectRefused(
      [
        event({
          lamport: (proposal as StoredEvent).lamport - 1,
          kind: "proposal.accept",
          proposalId: proposed.body.id,
        }),
      ],
      "LIAISON_WORKPLAN_ANSWER_BEFORE_PROPOSAL",
    );
    // Answering a proposal India does not hold, or Canada's own, is refused as well.
    await expectRefused(
      [event({ lamport: (proposal as StoredEvent).lamport + 1, kind: "proposal.accept", proposalId: uuidv7() })],
      "LIAISON_WORKPLAN_PROPOSAL_NOT_FOUND",
    );
    // The real answer still goes through.
    await eventually(async () => {
      const r = await nodes.canada.api("POST", `/api/v1/workplan/proposals/${proposed.body.id}/reject`, {});
      return r.status === 200;
    }, 25_000);
    await converged(nodes.india, nodes.canada);
  });

  it("refuses a Lamport value of 2^53-1, and replication goes on", async () => {
    await expectRefused(
      [
        event({
          lamport: Number.MAX_SAFE_INTEGER,
          kind: "progress.add",
          initiativeId: "cyber",
          date: "2026-03-01",
          note: "clock bomb",
        }),
      ],
      "LIAISON_WORKPLAN_LAMPORT_TOO_FAR",
    );
    const note = `progress after the refusal ${uuidv7()}`;
    const progress = await nodes.india.api("POST", "/api/v1/workplan/initiatives/cyber/progress", {
      date: "2026-03-02",
      note,
    });
    expect(progress.status).toBe(201);
    await converged(nodes.india, nodes.canada);
    const plan = await nodes.canada.api<Plan>("GET", "/api/v1/workplan");
    expect(plan.body.initiatives.find((i) => i.id === "cyber")?.progress.some((x) => x.note === note)).toBe(true);
    const highest = await eventsOn(nodes.canada, () => true);
    expect(Math.max(...highest.map((e) => e.lamport))).toBeLessThan(1_000_000);
  });

  it("concurrent changes on one node get distinct Lamport values, so the peer accepts them all", async () => {
    const notes = Array.from({ length: 6 }, (_, i) => `concurrent progress ${i} ${uuidv7()}`);
    const results = await Promise.all(
      notes.map((note) =>
        nodes.india.api("POST", "/api/v1/workplan/initiatives/cyber/progress", { date: "2026-03-03", note }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(notes.map(() => 201));
    await converged(nodes.india, nodes.canada);
    const mine = await eventsOn(nodes.india, (e) => notes.includes((e as unknown as { note: string }).note));
    expect(new Set(mine.map((e) => e.lamport)).size).toBe(notes.length);
    const theirs = await eventsOn(nodes.canada, (e) => notes.includes((e as unknown as { note: string }).note));
    expect(theirs).toHaveLength(notes.length);
  });
});
