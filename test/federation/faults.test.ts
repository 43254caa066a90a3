import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { sendNotice } from "../support/notices.ts";
import { NodeProcess, pinEachOther } from "../support/processes.ts";

const TOTAL = 1000;
const SENDERS = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (min: number, max: number) => min + Math.random() * (max - min);

type PeerState = { party: string; pending: number; delivered: number; dead: number };

/** Open a stopped node's database directly (PGlite data dir or PostgreSQL schema) for the final reckoning. */
async function openStopped(node: NodeProcess) {
  const config = node.config() as { databaseUrl?: string; databaseSchema?: string };
  return openDatabase({ url: config.databaseUrl, schema: config.databaseSchema, dataDir: node.dataDir });
}

describe("faults: SIGKILL and link cuts lose and duplicate nothing", () => {
  const nodes: NodeProcess[] = [];
  afterAll(async () => {
    for (const node of nodes) {
      await node.kill();
      if (process.env.KEEP_FAULT_DIRS) console.log(node.party, node.dataDir);
      else rmSync(node.dataDir, { recursive: true, force: true });
    }
  });

  it(`delivers ${TOTAL} notices India->Canada exactly once through kills and a cut link`, {
    timeout: 240_000,
  }, async () => {
    const india = await NodeProcess.create({ party: "IN" });
    const canada = await NodeProcess.create({ party: "CA" });
    nodes.push(india, canada);
    await Promise.all([india.start(), canada.start()]);
    await pinEachOther(india, canada);

    const run = Math.random().toString(36).slice(2, 8);
    const texts = Array.from({ length: TOTAL }, (_, i) => `fault ${run} #${i}`);
    const log: string[] = [];

    const ready = async (node: NodeProcess) => {
      for (let i = 0; i < 600; i++) {
        if (node.running) {
          try {
            if ((await node.api("GET", "/readyz")).status === 200) return;
          } catch {}
        }
        await sleep(100);
      }
      throw new Error(`${node.party} did not come back:\n${node.logTail()}`);
    };

    const committedOnIndia = async (text: string) => {
      const list = await india.api<{ items: { text: string }[] }>(
        "GET",
        "/api/v1/notices?direction=outbound&limit=1000",
      );
      return list.status === 200 && list.body.items.some((n) => n.text === text);
    };

    // A request cut by a kill may or may not have committed: look before sending again, so each text exists once.
    const sendExactlyOnce = async (text: string) => {
      for (;;) {
        try {
          const response = await sendNotice(india, text);
          if (response.status === 201) return;
          log.push(`send ${text}: HTTP ${response.status}`);
        } catch {}
        await ready(india);
        if (await committedOnIndia(text)) return;
      }
    };

    let next = 0;
    const sending = Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < TOTAL) await sendExactlyOnce(texts[next++] as string);
      }),
    );

    const peerState = async () =>
      (await india.api<{ items: PeerState[] }>("GET", "/api/v1/federation/peers")).body.items.find(
        (p) => p.party === "CA",
      ) as PeerState;

    const chaos = (async () => {
      await sleep(between(300, 800));
      // Cut the link: Canada is gone for a while; India's outbox must hold what it cannot deliver.
      await canada.kill();
      log.push("canada down (link cut)");
      await sleep(500); // a batch whose answer arrived just before the cut may still be settling
      const atCut = await peerState();
      await sleep(3000);
      const duringCut = await peerState();
      expect(duringCut.delivered).toBe(atCut.delivered);
      expect(duringCut.pending).toBeGreaterThan(0);
      // A link cut is retryable: nothing may be dead-lettered for it (the message names what was, and why).
      const dead = await india.api<{ items: unknown[] }>("GET", "/api/v1/federation/outbox?status=dead");
      expect(duringCut.dead, JSON.stringify(dead.body.items)).toBe(0);
      await canada.start();
      log.push(`canada back; ${duringCut.pending} pending`);
      for (const victim of [india, canada, india, canada, india]) {
        await sleep(between(200, 1500));
        await victim.kill();
        log.push(`SIGKILL ${victim.party}`);
        await sleep(between(0, 500));
        await victim.start();
      }
    })();

    await Promise.all([sending, chaos]);
    const drained = await (async () => {
      for (let i = 0; i < 900; i++) {
        const state = await peerState().catch(() => undefined);
        if (state && state.pending === 0 && state.delivered + state.dead >= TOTAL) return state;
        await sleep(100);
      }
      throw new Error(`outbox did not drain: ${JSON.stringify(await peerState())}\n${log.join("\n")}`);
    })();
    expect(drained).toMatchObject({ pending: 0, dead: 0 });

    await Promise.all([india.stop(), canada.stop()]);
    const sender = await openStopped(india);
    const receiver = await openStopped(canada);
    try {
      const outbound = await sender.db
        .selectFrom("notices")
        .select(["text", "envelope_id"])
        .where("direction", "=", "outbound")
        .execute();
      const twice = outbound.filter((n, i) => outbound.findIndex((m) => m.text === n.text) !== i);
      expect(twice).toEqual([]);
      expect(outbound).toHaveLength(TOTAL);
      expect(new Set(outbound.map((n) => n.text))).toEqual(new Set(texts));

      const outbox = await sender.db
        .selectFrom("outbox")
        .select(["envelope_id", "status", "receipt", "digest"])
        .where("type", "=", "notice.sent") // other modules (audit tree heads) send too
        .execute();
      expect(outbox).toHaveLength(TOTAL);
      expect(outbox.filter((o) => o.status !== "delivered" || !o.receipt)).toEqual([]);
      for (const o of outbox) {
        const receipt = JSON.parse(Buffer.from(o.receipt?.split(".")[1] ?? "", "base64url").toString("utf8"));
        expect(receipt).toMatchObject({ envelopeId: o.envelope_id, digest: o.digest });
      }

      const inbound = await receiver.db
        .selectFrom("notices")
        .select(["id", "envelope_id", "text"])
        .where("direction", "=", "inbound")
        .execute();
      expect(inbound).toHaveLength(TOTAL);
      expect(new Set(inbound.map((n) => n.id)).size).toBe(TOTAL);
      expect(new Set(inbound.map((n) => n.envelope_id))).toEqual(new Set(outbox.map((o) => o.envelope_id)));
      expect(new Set(inbound.map((n) => n.text))).toEqual(new Set(texts));
      const inbox = await receiver.db
        .selectFrom("inbox")
        .select(["envelope_id", "receipt"])
        .where("type", "=", "notice.sent")
        .execute();
      const receipts = new Map(outbox.map((o) => [o.envelope_id, o.receipt]));
      expect(inbox).toHaveLength(TOTAL);
      // The receipt the sender stored is the one the receiver signed and kept.
      expect(inbox.filter((r) => receipts.get(r.envelope_id) !== r.receipt)).toEqual([]);
    } finally {
      await sender.close();
      await receiver.close();
    }
    console.log(`fault run ${run}: ${log.length} events\n${log.join("\n")}`);
  });
});
