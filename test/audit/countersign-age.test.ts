import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../src/cli/api-client.ts";
import { apiLogSource } from "../../src/cli/commands/audit.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { verifyLog } from "../../src/modules/audit/verify-log.ts";
import { peerKeysFromFile, peerKeysFromUrl, witnessRecordFromUrl } from "../../src/modules/audit/verify-peer.ts";
import { eventually, startTestNode, startTwoNodes, type TestNode, tempDir } from "../support/nodes.ts";

const HOUR = 3_600_000;

async function record(node: TestNode, count: number) {
  await node.deps.changes.run(async (change) => {
    for (let i = 0; i < count; i++)
      change.audit({ actor: "tester", action: "test.age", subject: `a${i}`, outcome: "ok" });
  });
}

describe("verify fails when events go uncountersigned for longer than the age", () => {
  let lone: TestNode;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    lone = await startTestNode({ party: "IN", clock });
  }, 600_000);
  afterAll(async () => {
    await lone?.close();
    if (lone) rmSync(lone.dataDir, { recursive: true, force: true });
  });

  it("a log no witness ever countersigned passes while young and fails once older than the age", async () => {
    await record(lone, 3);
    const source = () => apiLogSource(new ApiClient(lone.url, lone.adminToken));
    const young = await verifyLog(source(), { now: clock.now() });
    expect(young.problems).toEqual([]);
    clock.advance(2 * HOUR);
    const old = await verifyLog(source(), { now: clock.now() });
    expect(old.ok).toBe(false);
    expect(old.problems.join("\n")).toMatch(/no witness countersigned this log/);
    // The age is the auditor's to choose.
    expect((await verifyLog(source(), { now: clock.now(), countersignAgeMs: 3 * HOUR })).ok).toBe(true);
  }, 600_000);
});

describe("verify with the witness's keys and record from the witness", () => {
  const clock = new ManualClock(new Date());
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    nodes = await startTwoNodes({ clock });
  }, 600_000);
  afterAll(async () => nodes?.close());

  const countersigned = (size: number) =>
    eventually(async () => {
      const head = await nodes.india.api<{ witnesses: { party: string; treeSize: number }[] }>(
        "GET",
        "/api/v1/audit/tree-head",
      );
      return head.body.witnesses.some((w) => w.party === "CA" && w.treeSize >= size);
    }, 120_000);

  it("passes when countersigned, fails when a later event waited too long, and names where the keys came from", async () => {
    const { india, canada } = nodes;
    await record(india, 4);
    const first = Number((await india.deps.audit.publishTreeHead()).tree_size);
    await countersigned(first);
    const independent = async () => ({
      peers: [await peerKeysFromUrl(canada.url)],
      witnessRecords: [witnessRecordFromUrl("CA", canada.url, canada.adminToken)],
    });
    const api = new ApiClient(india.url, india.adminToken);
    clock.advance(2 * HOUR);
    const ok = await verifyLog(apiLogSource(api), { now: clock.now(), ...(await independent()) });
    expect(ok.problems).toEqual([]);
    expect(ok.peerKeys[0]).toMatchObject({ party: "CA", independent: true });
    // Without an independent source, the report says the keys came from the node under audit.
    const served = await verifyLog(apiLogSource(api), { now: clock.now() });
    expect(served.peerKeys[0]).toMatchObject({ party: "CA", independent: false });

    // The peer stops countersigning (deliveries stop): an event waits.
    await india.deps.worker.stop();
    await record(india, 2);
    await india.deps.audit.publishTreeHead();
    clock.advance(10 * 60_000);
    expect((await verifyLog(apiLogSource(api), { now: clock.now(), ...(await independent()) })).ok).toBe(true);
    clock.advance(2 * HOUR);
    const late = await verifyLog(apiLogSource(api), { now: clock.now(), ...(await independent()) });
    expect(late.ok).toBe(false);
    expect(late.problems.join("\n")).toMatch(/no countersignature from CA covers leaf \d+/);
    india.deps.worker.start();
  }, 900_000);

  it("a descriptor file is an independent source too; a claim the witness has no record of fails", async () => {
    const { india, canada } = nodes;
    const dir = tempDir("liaison-peer-descriptor-");
    try {
      const file = join(dir, "ca.json");
      writeFileSync(file, JSON.stringify(canada.deps.federation.descriptor()));
      const keys = peerKeysFromFile(file);
      expect(keys).toMatchObject({ party: "CA", independent: true, source: `descriptor file ${file}` });
      const api = new ApiClient(india.url, india.adminToken);
      // The witness's record of another origin stands in for a witness that never saw these heads.
      const blank = witnessRecordFromUrl("CA", canada.url, canada.adminToken);
      const forgetful = { ...blank, heads: (_origin: string) => blank.heads("ZZ") };
      const report = await verifyLog(apiLogSource(api), {
        now: clock.now(),
        countersignAgeMs: 100 * HOUR,
        peers: [keys],
        witnessRecords: [forgetful],
      });
      expect(report.ok).toBe(false);
      expect(report.problems.join("\n")).toMatch(/CA has no record of|another origin|answered for ZZ/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it("the witness's record is for auditors only, and bad queries are refused", async () => {
    const { canada } = nodes;
    const anonymous = await canada.app.inject({ method: "GET", url: "/api/v1/audit/witnessed?origin=IN" });
    expect(anonymous.statusCode).toBe(401);
    const bad = await canada.api<{ code: string }>("GET", "/api/v1/audit/witnessed?origin=india");
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("LIAISON_REQUEST_INVALID");
    const good = await canada.api<{ items: { treeSize: number }[] }>("GET", "/api/v1/audit/witnessed?origin=IN");
    expect(good.status).toBe(200);
    expect(good.body.items.length).toBeGreaterThan(0);
  }, 600_000);
});
