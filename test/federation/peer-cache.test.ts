import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwoNodes } from "../support/nodes.ts";

type Nodes = Awaited<ReturnType<typeof startTwoNodes>>;

/** Fails instead of hanging: a deadlock shows as this error, not as a suite that never ends. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)),
  ]);
}

describe("the pinned-peer cache", () => {
  let nodes: Nodes;
  beforeAll(async () => {
    nodes = await startTwoNodes();
  }, 120_000);
  afterAll(() => nodes?.close());

  // An approval seals the held message inside its change. With the cache older than its age the lookup used to
  // reload through the pool, which on PGlite (one session) waits for that change's own transaction: forever.
  it("seals for a peer inside a change once the cache has gone stale", { timeout: 30_000 }, async () => {
    const { india } = nodes;
    await new Promise((r) => setTimeout(r, 2_200));
    const sealed = await within(
      10_000,
      india.deps.changes.run(async (change) => {
        const envelope = await india.deps.federation.prepare("CA", "test.ping", { n: 1 });
        change.audit({ actor: "test", action: "test.seal", subject: envelope.envelopeId, outcome: "success" });
        return envelope;
      }),
    );
    expect(sealed.peer).toBe("CA");
    // The reload it left for after the commit has run: the peer is still there, read afresh.
    expect((await india.deps.peers.get("CA"))?.party).toBe("CA");
  });
});
