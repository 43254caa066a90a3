import { randomUUID } from "node:crypto";
import { findGenesis, loadEventsAfter } from "../../src/modules/workplan/workplan.repository.ts";
import { computePlan, planHashByCanonicalizer } from "../../src/modules/workplan/workplan.state.ts";
import { eventually, startTwoNodes, type TestNode } from "../support/nodes.ts";

export type Plan = {
  initiatives: {
    id: string;
    title: string;
    lane: string;
    status: string;
    objective: string;
    health: Record<string, string | null>;
    milestones: { id: string; title: string; dueDate: string; owner: string; status: string; evidence: string[] }[];
    progress: { id: string; party: string; note: string }[];
    history: { proposalId: string; proposedBy: { party: string }; acceptedBy: { party: string } }[];
  }[];
  proposals: Proposal[];
  reviews: { id: string; actionItems: { id: string; owner: string; status: string }[] }[];
  indicators: { available: boolean; note: string | null };
};
export type Proposal = { id: string; status: string; proposer: string; decidedByParty: string | null };

/** Two seeded nodes with a coordinator and a liaison officer on each side. */
export async function startWorkplanNodes() {
  const nodes = await startTwoNodes();
  const tokens = async (node: TestNode) => ({
    coordinator: await node.deps.identity.issueToken(`coord-${randomUUID()}`, "workplan-coordinator", "test"),
    officer: await node.deps.identity.issueToken(`officer-${randomUUID()}`, "liaison-officer", "test"),
    analyst: await node.deps.identity.issueToken(`analyst-${randomUUID()}`, "analyst", "test"),
  });
  await nodes.india.deps.workplan.seed();
  await nodes.canada.deps.workplan.seed();
  const [inTokens, caTokens] = [await tokens(nodes.india), await tokens(nodes.canada)];
  // The administrator runs the node, not the plan (no bypass role): default to each side's coordinator.
  for (const [node, t] of [
    [nodes.india, inTokens],
    [nodes.canada, caTokens],
  ] as const) {
    const api = node.api.bind(node);
    node.api = (method, path, body, token) => api(method, path, body, token ?? t.coordinator);
  }
  return { ...nodes, in: inTokens, ca: caTokens };
}

export async function stateHash(node: TestNode): Promise<string> {
  return (await node.api<{ hash: string }>("GET", "/api/v1/workplan/state-hash")).body.hash;
}

/** The plan recomputed from scratch from the node's database, bypassing its cache, hashed by the general RFC 8785 canonicaliser. */
export async function recomputedHash(node: TestNode): Promise<string> {
  const db = node.deps.database.db;
  const [genesis, events] = await Promise.all([findGenesis(db), loadEventsAfter(db, 0)]);
  return planHashByCanonicalizer(computePlan(genesis?.body ?? null, events.events));
}

/** Wait until both nodes hold the same plan (their outboxes drained), and return its hash. */
export async function converged(a: TestNode, b: TestNode): Promise<string> {
  // Generous: under CI load a two-node round trip can take seconds.
  const hash = await eventually(async () => {
    const [x, y] = await Promise.all([stateHash(a), stateHash(b)]);
    return x === y && x;
  }, 25_000);
  // The cached, incrementally folded plan is exactly the pure function of the stored events.
  if ((await recomputedHash(a)) !== hash) throw new Error("cached plan differs from the recomputed one");
  return hash;
}

/** Milestones need the other party's acceptance: propose on `owner`'s node, accept on the other. */
export async function addMilestone(
  proposer: TestNode,
  proposerToken: string,
  acceptor: TestNode,
  acceptorToken: string,
  initiativeId: string,
  milestone: { title: string; dueDate: string; owner: string },
): Promise<string> {
  const proposed = await proposer.api<{ id: string }>(
    "POST",
    "/api/v1/workplan/proposals",
    { initiativeId, change: { field: "milestone.add", value: milestone } },
    proposerToken,
  );
  if (proposed.status !== 201) throw new Error(`propose failed: ${JSON.stringify(proposed.body)}`);
  await eventually(async () => {
    const r = await acceptor.api("POST", `/api/v1/workplan/proposals/${proposed.body.id}/accept`, {}, acceptorToken);
    return r.status === 200;
  }, 25_000);
  await converged(proposer, acceptor);
  return proposed.body.id;
}
