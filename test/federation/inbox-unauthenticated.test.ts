import { sql } from "kysely";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { REJECTION_SUMMARY_INTERVAL_MS } from "../../src/modules/federation/inbox.rejections.ts";
import { startTwoNodes } from "../support/nodes.ts";
import { envelopeFactory, postBatch, storedCounts } from "./craft.ts";

const RATE = 5;
const LIMITS = { maxBatchEnvelopes: 250, unauthenticatedRatePerMinute: RATE };
/** Attacker-chosen text that must never reach the audit log. */
const MARK = "ATTACKER-CHOSEN";

/** A JWE whose header names a ~700 KB kid of the attacker's choosing (the node holds no such key). */
function hugeKidJwe(): string {
  const header = Buffer.from(
    JSON.stringify({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: `${MARK}-${"k".repeat(700_000)}` }),
  ).toString("base64url");
  return `${header}.AAAA.AAAA.AAAA.AAAA`;
}

/**
 * Strangers (no pinned key signed what they send) must not write the audit log: their refusals are counted and
 * summarised at most once a minute, with nothing they chose; their traffic is rate-limited per address.
 */
describe("the inbox before authentication", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let craft: ReturnType<typeof envelopeFactory>;
  const clock = new ManualClock(new Date());
  // A second loopback address: a stranger's, distinct from the peer's 127.0.0.1.
  const stranger = new Agent({ localAddress: "127.0.0.2" });

  beforeAll(async () => {
    nodes = await startTwoNodes({ clock, config: { federation: LIMITS } });
    craft = envelopeFactory(nodes.india, nodes.canada);
    // The peer's address delivers a signed envelope first: from then on it is not limited as a stranger is.
    const first = await postBatch(nodes.canada, { envelopes: [await craft.seal()] });
    expect(first.body.results[0]?.receipt).toBeDefined();
  }, 180_000);
  afterAll(async () => {
    await stranger.close();
    await nodes?.close();
  });

  const canada = () => nodes.canada;
  async function auditRows(action: string) {
    await canada().deps.audit.sequenceQueued();
    return canada()
      .deps.database.db.selectFrom("audit_leaves")
      .select(["index", "actor", "subject", "data"])
      .where("action", "=", action)
      .orderBy("index")
      .execute();
  }
  async function leavesMentioning(text: string) {
    await canada().deps.audit.sequenceQueued();
    const row = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_leaves WHERE position(${text}::bytea IN data) > 0`.execute(
      canada().deps.database.db,
    );
    return row.rows[0]?.n;
  }
  /** Leaves recording refusals (the log also grows by witnessing, which these tests do not control). */
  const rejectionLeaves = async () => {
    await canada().deps.audit.sequenceQueued();
    const row = await canada()
      .deps.database.db.selectFrom("audit_leaves")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("action", "in", ["envelope.reject", "envelope.reject.summary"])
      .executeTakeFirstOrThrow();
    return row.n;
  };
  const metric = async (name: string, code?: string) => {
    const all = await canada().deps.metrics.registry.getMetricsAsJSON();
    const values = all.find((m) => m.name === name)?.values ?? [];
    return values.filter((v) => code === undefined || v.labels.code === code).reduce((sum, v) => sum + v.value, 0);
  };
  /** Move past the summary interval and write the summary that is then due. */
  async function summarize() {
    clock.advance(REJECTION_SUMMARY_INTERVAL_MS + 1000);
    return canada().deps.inbox.unauthenticated.summarizeIfDue();
  }

  it("1,000 unauthenticated garbage envelopes add no audit leaf of their own and none of their text", async () => {
    // A summary just written: the next may come only a minute from now, so this test counts from here.
    await postBatch(canada(), { envelopes: ["garbage-0"] });
    expect(await summarize()).toBe(true);
    const leavesBefore = await rejectionLeaves();
    const summariesBefore = (await auditRows("envelope.reject.summary")).length;
    const storedBefore = await storedCounts(canada());
    const unknownSigner = await craft.sealWithForeignSigner(craft.payload());
    const garbage = Array.from({ length: 1000 }, (_, i) =>
      i === 0 ? hugeKidJwe() : i === 1 ? unknownSigner : `${MARK}-${i}`,
    );
    for (let at = 0; at < garbage.length; at += LIMITS.maxBatchEnvelopes) {
      const answer = await postBatch(canada(), { envelopes: garbage.slice(at, at + LIMITS.maxBatchEnvelopes) });
      expect(answer.status).toBe(200);
      expect(answer.body.results.every((r) => r.error !== undefined)).toBe(true);
    }
    expect(await rejectionLeaves()).toBe(leavesBefore);
    expect(await storedCounts(canada())).toEqual(storedBefore);
    expect(await metric("liaison_inbox_unauthenticated_rejections_total")).toBeGreaterThanOrEqual(1000);

    // The summary: one record, counts by code, nothing the sender chose.
    expect(await summarize()).toBe(true);
    const summaries = await auditRows("envelope.reject.summary");
    expect(summaries).toHaveLength(summariesBefore + 1);
    expect(await rejectionLeaves()).toBe(leavesBefore + 1);
    const leaf = JSON.parse(Buffer.from(summaries.at(-1)?.data as Uint8Array).toString());
    expect(leaf.actor).toBe("peer:unauthenticated");
    expect(leaf.subject).toBeNull();
    expect(leaf.details.total).toBe(1000);
    expect(leaf.details.counts).toEqual({
      LIAISON_FEDERATION_ENVELOPE_MALFORMED: 998,
      LIAISON_FEDERATION_UNKNOWN_RECIPIENT_KEY: 1,
      LIAISON_FEDERATION_UNKNOWN_SIGNING_KEY: 1,
    });
    expect(Object.keys(leaf.details).sort()).toEqual(["counts", "since", "total", "until"]);
    expect(await leavesMentioning(MARK)).toBe(0);
    expect(await leavesMentioning("kkkkkkkkkkkkkkkk")).toBe(0);
    // Metric labels come from the fixed set too: the attacker's kid is nowhere in the exposition.
    expect(await canada().deps.metrics.registry.metrics()).not.toContain(MARK);
  });

  it("summarises at most once a minute, and not at all when nothing was refused", async () => {
    await postBatch(canada(), { envelopes: ["garbage-0"] });
    expect(await summarize()).toBe(true);
    const before = (await auditRows("envelope.reject.summary")).length;
    await postBatch(canada(), { envelopes: ["garbage-1"] });
    clock.advance(REJECTION_SUMMARY_INTERVAL_MS / 2);
    await postBatch(canada(), { envelopes: ["garbage-2"] });
    expect(await canada().deps.inbox.unauthenticated.summarizeIfDue()).toBe(false);
    expect(await auditRows("envelope.reject.summary")).toHaveLength(before);
    clock.advance(REJECTION_SUMMARY_INTERVAL_MS / 2);
    expect(await canada().deps.inbox.unauthenticated.summarizeIfDue()).toBe(true);
    const summaries = await auditRows("envelope.reject.summary");
    expect(summaries).toHaveLength(before + 1);
    expect(JSON.parse(Buffer.from(summaries.at(-1)?.data as Uint8Array).toString()).details.total).toBe(2);
    expect(await summarize()).toBe(false); // nothing refused since
    expect(await auditRows("envelope.reject.summary")).toHaveLength(before + 1);
  });

  it("keeps a refusal a pinned peer signed as an audit record of its own", async () => {
    await summarize();
    const before = await auditRows("envelope.reject");
    const answer = await postBatch(canada(), {
      envelopes: [await craft.seal(craft.payload({ to: "US" })), "garbage"],
    });
    expect(answer.body.results.map((r) => r.error?.code)).toEqual([
      "LIAISON_FEDERATION_WRONG_RECIPIENT",
      "LIAISON_FEDERATION_ENVELOPE_MALFORMED",
    ]);
    const after = await auditRows("envelope.reject");
    expect(after).toHaveLength(before.length + 1);
    const leaf = JSON.parse(Buffer.from(after.at(-1)?.data as Uint8Array).toString());
    expect(leaf.actor).toBe("peer:IN");
    expect(leaf.details.code).toBe("LIAISON_FEDERATION_WRONG_RECIPIENT");
  });

  it("limits unauthenticated requests per client address with a documented 429, changing nothing", async () => {
    const fromStranger = async (envelopes: unknown[]) => {
      const response = await request(new URL("/federation/v1/envelopes", canada().url), {
        method: "POST",
        dispatcher: stranger,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ envelopes }),
      });
      return {
        status: response.statusCode,
        type: String(response.headers["content-type"]),
        body: (await response.body.json()) as { code?: string },
      };
    };
    for (let i = 0; i < RATE; i++) expect((await fromStranger([`stranger-${i}`])).status).toBe(200);

    const leaves = await rejectionLeaves();
    const stored = await storedCounts(canada());
    const counted = await metric("liaison_inbox_unauthenticated_rejections_total");
    // Even a good envelope is refused from this address now: the limit applies before anything is read.
    const refused = await fromStranger([await craft.seal(), "garbage"]);
    expect(refused.status).toBe(429);
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe("LIAISON_FEDERATION_INBOX_RATE_LIMITED");
    expect(await metric("liaison_inbox_rate_limited_total")).toBeGreaterThanOrEqual(1);
    expect(await metric("liaison_inbox_unauthenticated_rejections_total")).toBe(counted);
    expect(await storedCounts(canada())).toEqual(stored);
    expect(await rejectionLeaves()).toBe(leaves);

    // The peer's address, which delivered signed envelopes, is not limited as a stranger is.
    for (let i = 0; i < RATE + 2; i++) expect((await postBatch(canada(), { envelopes: ["x"] })).status).toBe(200);
    const good = await postBatch(canada(), { envelopes: [await craft.seal()] });
    expect(good.body.results[0]?.receipt).toBeDefined();
  });
});
