import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { eventually, freePort, startTwoNodes } from "../support/nodes.ts";
import { sendNotice } from "../support/notices.ts";

type Outbox = { envelope_id: string; status: string; attempts: number; last_error_code: string | null };
type Attempt = { outcome: string; error_code: string | null; attempted_at: string };
type Stored = { jwe: string; receipt: string | null; status: string; attempts: Attempt[] };

const DEAD_AFTER = 60;
// The machine is shared and often loaded: allow generous waits; the conditions themselves are exact.
const WAIT = 30_000;

describe("delivery: retries, dead letters, receipts", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  const clock = new ManualClock(new Date());
  let fakePeer: Server | undefined;

  beforeAll(async () => {
    nodes = await startTwoNodes({
      clock,
      config: { federation: { deadLetterAfterSeconds: DEAD_AFTER, retryBaseSeconds: 0.5, retryMaxSeconds: 4 } },
    });
  }, 180_000);
  afterAll(async () => {
    fakePeer?.close();
    await nodes?.close();
  });

  const pinCanadaAt = (baseUrl: string) =>
    nodes.india.deps.federation.pinPeer({ ...nodes.canada.deps.federation.descriptor(), baseUrl }, { id: "test" });
  const row = async (envelopeId: string) =>
    (await nodes.india.deps.database.db
      .selectFrom("outbox")
      .selectAll()
      .where("envelope_id", "=", envelopeId)
      .executeTakeFirstOrThrow()) as unknown as Outbox & { next_attempt_at: Date };
  const stored = async (envelopeId: string) =>
    (await nodes.india.api<Stored>("GET", `/api/v1/federation/envelopes/${envelopeId}`)).body;
  const send = async (text: string) => (await sendNotice(nodes.india, text)).body.envelopeId;

  it("retries with back-off while the peer is unreachable, dead-letters after the configured age, and retries on request", {
    timeout: 120_000,
  }, async () => {
    await pinCanadaAt(`http://127.0.0.1:${await freePort()}`);
    const first = await send("while the link is down 1");
    const second = await send("while the link is down 2");

    // The clock stands still: after the first failure the row waits for its back-off.
    const failed = await eventually(async () => {
      const r = await row(first);
      return r.attempts >= 1 && r.last_error_code ? r : undefined;
    }, WAIT);
    expect(failed.status).toBe("pending");
    expect(failed.last_error_code).toBe("LIAISON_FEDERATION_PEER_UNREACHABLE");
    const delay = failed.next_attempt_at.getTime() - clock.now().getTime();
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(500);

    // Each time the clock passes the back-off cap, there is another attempt, each one recorded.
    for (let i = 0; i < 3; i++) {
      const recorded = (await stored(first)).attempts.length;
      clock.advance(5_000);
      nodes.india.deps.worker.wake();
      await eventually(async () => (await stored(first)).attempts.length > recorded, WAIT);
    }
    const beforeDead = await stored(first);
    expect(beforeDead.receipt).toBeNull();
    expect(typeof beforeDead.jwe).toBe("string");
    expect(beforeDead.attempts.length).toBeGreaterThanOrEqual(4);
    expect(beforeDead.attempts.every((a) => a.outcome === "retry")).toBe(true);

    clock.advance(DEAD_AFTER * 1000);
    nodes.india.deps.worker.wake();
    await eventually(async () => (await row(first)).status === "dead" && (await row(second)).status === "dead", WAIT);
    const dead = await nodes.india.api<{ items: Outbox[] }>("GET", "/api/v1/federation/outbox?status=dead");
    expect(dead.body.items.map((i) => i.envelope_id)).toEqual(expect.arrayContaining([first, second]));
    expect((await stored(first)).attempts.at(-1)?.outcome).toBe("dead");
    expect((await stored(first)).receipt).toBeNull();

    // The link is back. Dead letters stay dead until an operator retries them: one by the API, the rest by the CLI.
    await pinCanadaAt(nodes.canada.url);
    clock.advance(10_000);
    nodes.india.deps.worker.wake();
    await new Promise((r) => setTimeout(r, 200));
    expect((await row(first)).status).toBe("dead");

    const byApi = await nodes.india.api<{ retried: string[] }>("POST", "/api/v1/federation/outbox/retry", {
      envelopeIds: [first],
    });
    expect(byApi.body.retried).toEqual([first]);
    await eventually(async () => (await row(first)).status === "delivered", WAIT);

    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await main([
      "node",
      "liaison",
      "outbox",
      "retry",
      "--all",
      "--node",
      nodes.india.url,
      "--token",
      nodes.india.adminToken,
    ]);
    // Other modules' envelopes (audit tree heads) may have died in the same outage: --all takes them too.
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^[1-9]\d* dead letter\(s\) queued again$/));
    log.mockRestore();
    await eventually(async () => (await row(second)).status === "delivered", WAIT);
    const stillDead = await nodes.india.api<{ items: Outbox[] }>("GET", "/api/v1/federation/outbox?status=dead");
    expect(stillDead.body.items).toEqual([]);

    for (const id of [first, second]) {
      const sender = await stored(id);
      const receiver = (await nodes.canada.api<Stored>("GET", `/api/v1/federation/envelopes/${id}`)).body;
      expect(sender.receipt).toBe(receiver.receipt);
      expect(sender.jwe).toBe(receiver.jwe);
      expect(sender.attempts.at(-1)?.outcome).toBe("delivered");
    }
  });

  it("does not accept a receipt that does not verify, and keeps retrying", async () => {
    const port = await freePort();
    fakePeer = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        // A receipt-shaped JWS signed by nobody Canada's descriptor lists, for every envelope of the batch (other
        // modules' envelopes may share the batch with the notice).
        const forged = `${Buffer.from(JSON.stringify({ alg: "EdDSA", kid: nodes.canada.deps.keys.signing.kid, typ: "liaison-receipt+jws" })).toString("base64url")}.e30.AAAA`;
        const { envelopes } = JSON.parse(body) as { envelopes: string[] };
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ results: envelopes.map(() => ({ receipt: forged })) }));
      });
    });
    await new Promise<void>((r) => fakePeer?.listen(port, "127.0.0.1", () => r()));
    await pinCanadaAt(`http://127.0.0.1:${port}`);
    const id = await send("to an impostor");
    const r = await eventually(async () => {
      const x = await row(id);
      return x.last_error_code ? x : undefined;
    }, WAIT);
    expect(r.status).toBe("pending");
    expect(r.last_error_code).toBe("LIAISON_FEDERATION_RECEIPT_INVALID");
    expect((await stored(id)).receipt).toBeNull();
    await pinCanadaAt(nodes.canada.url);
  });
});
