import { compactVerify, importJWK } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../src/cli/api-client.ts";
import { apiLogSource } from "../../src/cli/commands/audit.ts";
import { appendAuditLeavesNow } from "../../src/modules/audit/audit.repository.ts";
import { verifyLog } from "../../src/modules/audit/verify-log.ts";
import { peerKeysFromUrl, witnessRecordFromUrl } from "../../src/modules/audit/verify-peer.ts";
import { eventually, startTwoNodes, type TestNode } from "../support/nodes.ts";

type Head = {
  signed: string;
  treeSize: number;
  rootHash: string;
  witnesses: { party: string; signed: string; treeSize: number; rootHash: string }[];
};
type Alerts = { items: { peer: string; kind: string; treeSize: number | null }[] };
type Events = { items: { action: string; subject: string; details: Record<string, unknown> }[] };

async function record(node: TestNode, count: number, action = "test.witnessed") {
  await node.deps.changes.run(async (change) => {
    for (let i = 0; i < count; i++) change.audit({ actor: "tester", action, subject: `x${i}`, outcome: "success" });
  });
}

/** What a superuser could do: switch the triggers off and write a different history under the same node. */
async function rewriteLog(node: TestNode, leaves: number) {
  const tables = ["audit_leaves", "audit_nodes", "audit_tree_heads", "audit_log_head"];
  // One transaction that takes the head lock first: the node's own appends (deliveries, receipts) wait for it.
  await node.deps.database.db.transaction().execute(async (tx) => {
    await sql.raw("SELECT tree_size FROM audit_log_head WHERE id = 1 FOR UPDATE").execute(tx);
    for (const t of tables) await sql.raw(`ALTER TABLE ${t} DISABLE TRIGGER USER`).execute(tx);
    for (const t of tables.slice(0, 3)) await sql.raw(`DELETE FROM ${t}`).execute(tx);
    await sql.raw("UPDATE audit_log_head SET tree_size = 0, frontier = ''::bytea").execute(tx);
    const forged = Array.from({ length: leaves }, (_, i) => ({
      actor: "forger",
      action: "test.rewritten",
      subject: `f${i}`,
      outcome: "success",
    }));
    await appendAuditLeavesNow(tx, "IN", new Date(), forged);
    for (const t of tables) await sql.raw(`ALTER TABLE ${t} ENABLE TRIGGER USER`).execute(tx);
  });
}

describe("witnessing between two nodes", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    nodes = await startTwoNodes();
  });
  afterAll(async () => nodes?.close());

  const countersignedAt = (size: number) =>
    eventually(async () => {
      const head = await nodes.india.api<Head>("GET", "/api/v1/audit/tree-head");
      return head.body.witnesses.find((w) => w.party === "CA" && w.treeSize === size);
    });

  it("the peer checks each new head, countersigns it and records it in its own log", async () => {
    const { india, canada } = nodes;
    await record(india, 5);
    const first = Number((await india.deps.audit.publishTreeHead()).tree_size);
    const witness = await countersignedAt(first);
    const caKey = await importJWK(canada.deps.keys.signing.publicJwk, "EdDSA");
    const { payload, protectedHeader } = await compactVerify(witness.signed, caKey);
    expect(protectedHeader.typ).toBe("liaison-tree-head-witness+jws");
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({
      origin: "IN",
      witness: "CA",
      treeSize: first,
    });

    await record(india, 7);
    const second = Number((await india.deps.audit.publishTreeHead()).tree_size);
    expect(second).toBeGreaterThan(first);
    await countersignedAt(second);

    const seen = await canada.api<Events>("GET", "/api/v1/audit/events?action=audit.tree-head.witness");
    expect(seen.body.items.map((e) => e.subject)).toEqual(expect.arrayContaining([`IN:${first}`, `IN:${second}`]));
    expect((await canada.api<Alerts>("GET", "/api/v1/audit/alerts")).body.items).toEqual([]);

    const report = await verifyLog(apiLogSource(new ApiClient(india.url, india.adminToken)), {
      peers: [await peerKeysFromUrl(canada.url)],
      witnessRecords: [witnessRecordFromUrl("CA", canada.url, canada.adminToken)],
    });
    expect(report.problems).toEqual([]);
    expect(report.witnesses).toEqual([{ party: "CA", treeSize: second, ok: true }]);
    expect(report.peerKeys).toEqual([
      { party: "CA", source: `${canada.url}/federation/v1/descriptor`, independent: true },
    ]);
    expect(report.witnessRecords[0]).toMatchObject({ party: "CA", latest: second });
  });

  it("signs heads on the interval while things happen, and not for witnessing's own traffic", async () => {
    const { india, canada } = nodes;
    // Drive the checks by hand: stop the nodes' own timers, make every new leaf "due" by time.
    for (const n of [india, canada]) {
      await n.deps.audit.stop();
      n.deps.audit.options.treeHeadIntervalMs = 0;
    }
    // Deliveries of heads and countersignatures settled on both sides.
    const settled = () =>
      eventually(async () => {
        const pending = await Promise.all([india, canada].map((n) => n.deps.federation.listOutbox("pending")));
        return pending.every((rows) => rows.length === 0);
      });
    try {
      await settled();
      await canada.deps.audit.tick();
      await settled();
      await record(india, 1, "test.activity");
      const head = await india.deps.audit.tick();
      expect(head).toBeDefined();
      await countersignedAt(Number(head?.tree_size));
      await settled();
      expect(await canada.deps.audit.tick()).toBeUndefined();
      expect(await india.deps.audit.tick()).toBeUndefined();
    } finally {
      for (const n of [india, canada]) {
        n.deps.audit.options.treeHeadIntervalMs = 60_000;
        n.deps.audit.start();
      }
    }
  });

  it("a node whose log was rewritten is caught by its peer, and both raise an alert", async () => {
    const { india, canada } = nodes;
    const before = (await india.api<Head>("GET", "/api/v1/audit/tree-head")).body.treeSize;
    await rewriteLog(india, before + 20);
    const forged = await india.deps.audit.publishTreeHead();
    expect(Number(forged.tree_size)).toBeGreaterThan(before);

    const onWitness = await eventually(async () => {
      const alerts = await canada.api<Alerts>("GET", "/api/v1/audit/alerts");
      return alerts.body.items.find((a) => a.peer === "IN" && a.kind === "consistency");
    });
    expect(onWitness.treeSize).toBe(Number(forged.tree_size));
    const onOrigin = await eventually(async () => {
      const alerts = await india.api<Alerts>("GET", "/api/v1/audit/alerts");
      return alerts.body.items.find((a) => a.peer === "CA" && a.kind === "witness-refused:consistency");
    });
    expect(onOrigin.treeSize).toBe(Number(forged.tree_size));
    const head = await india.api<Head>("GET", "/api/v1/audit/tree-head");
    expect(head.body.witnesses.some((w) => w.treeSize === Number(forged.tree_size))).toBe(false);
    const metrics = await canada.deps.metrics.registry.getSingleMetricAsString("liaison_audit_alerts_total");
    expect(metrics).toMatch(/kind="consistency"[^\n]* 1/);
    const recorded = await canada.api<Events>("GET", "/api/v1/audit/events?action=audit.alert");
    expect(recorded.body.items[0]?.details).toMatchObject({ kind: "consistency" });

    // An auditor's verify also fails: the rewritten leaves no longer give the root CA countersigned.
    const report = await verifyLog(apiLogSource(new ApiClient(india.url, india.adminToken)));
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toMatch(/differs from CA's countersignature/);
    expect(report.firstBadIndex).not.toBeNull();
  });
});
