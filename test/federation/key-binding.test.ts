import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import type { Descriptor } from "../../src/modules/federation/federation.schema.ts";
import { initKeys, type NodeKey, rotateKeys } from "../../src/modules/keys/keys.service.ts";
import { eventually, freePort, startTestNode, type TestNode, tempDir } from "../support/nodes.ts";
import { sendNotice } from "../support/notices.ts";
import { envelopeFactory, postBatch, storedCounts } from "./craft.ts";

/**
 * Attacks on the binding between a peer and its keys (issue 14, item 1): kids that are not the keys' thumbprints,
 * a fetched descriptor pinned blindly, retired keys vouching for new content, a stolen key that cannot be revoked,
 * and a peer answer that decides our memory. Each runs on PGlite, and on PostgreSQL with LIAISON_TEST_DATABASE_URL.
 */
type Problem = { code: string };
type PeerItem = { party: string; kids: string[]; baseUrl: string };

async function attackerKeys() {
  const jwks = [];
  for (const [use, alg, crv] of [
    ["sig", "EdDSA", "Ed25519"],
    ["enc", "ECDH-ES+A256KW", "X25519"],
  ] as const) {
    const { publicKey } = await generateKeyPair(alg, { crv, extractable: true });
    const jwk = await exportJWK(publicKey);
    jwks.push({ ...jwk, kid: await calculateJwkThumbprint(jwk), use, alg });
  }
  return jwks as Descriptor["keys"]["keys"];
}

/** A stand-in for a peer's host: answers every request with `body`. */
async function fakePeer(body: (path: string) => string): Promise<{ url: string; server: Server }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body(req.url ?? "/"));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

/** Run the CLI in process: what it printed, and its error (stderr) if it failed. */
async function cli(args: string[]): Promise<string> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await main(["node", "liaison", ...args]);
    if (process.exitCode === 1) throw new Error(err.mock.calls.map((c) => String(c[0])).join(""));
    return log.mock.calls.map((c) => String(c[0])).join("\n");
  } finally {
    process.exitCode = 0;
    log.mockRestore();
    err.mockRestore();
  }
}

const auditActions = async (node: TestNode, action: string) =>
  (
    await node.api<{ items: { subject: string; details: Record<string, unknown> }[] }>(
      "GET",
      `/api/v1/audit/events?action=${action}`,
    )
  ).body.items;

describe("keys are bound to their ids and carry validity", () => {
  const indiaDir = tempDir();
  let india: TestNode;
  let canada: TestNode;
  let retiredKid: string;
  let retiredAt: Date;
  const servers: Server[] = [];
  // The pins only: delivery counts move on their own (tree heads and countersignatures travel meanwhile).
  const peers = async (node: TestNode) =>
    (await node.api<{ items: PeerItem[] }>("GET", "/api/v1/federation/peers")).body.items.map(
      ({ party, kids, baseUrl }) => ({ party, kids, baseUrl }),
    );

  beforeAll(async () => {
    // India starts with one retired signing key, as after `liaison keys rotate --use sig`.
    await initKeys(indiaDir);
    retiredAt = new Date(Date.now() - 60_000);
    retiredKid = (await rotateKeys(indiaDir, ["sig"], retiredAt)).retired[0] as string;
    india = await startTestNode({
      party: "IN",
      dataDir: indiaDir,
      config: { federation: { maxPeerResponseBytes: 65_536 } },
    });
    canada = await startTestNode({ party: "CA" });
    await india.deps.federation.pinPeer(canada.deps.federation.descriptor(), { id: "test" });
    await canada.deps.federation.pinPeer(india.deps.federation.descriptor(), { id: "test" });
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) server.close();
    await Promise.all([india?.close(), canada?.close()]);
    rmSync(indiaDir, { recursive: true, force: true });
    if (canada) rmSync(canada.dataDir, { recursive: true, force: true });
  });

  it("refuses a descriptor whose kids are not the thumbprints of its keys, changing nothing", async () => {
    const real = canada.deps.federation.descriptor();
    const forged = await attackerKeys();
    const descriptor = {
      ...real,
      keys: { keys: forged.map((k, i) => ({ ...k, kid: real.keys.keys[i]?.kid as string })) },
    };
    const before = await peers(india);
    const refused = await india.api<Problem>("POST", "/api/v1/federation/peers", { descriptor });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe("LIAISON_FEDERATION_DESCRIPTOR_KID_MISMATCH");
    expect(await peers(india)).toEqual(before);
    const pinned = await india.deps.peers.require("CA");
    expect(pinned.signingKeys.size).toBe(1);
    expect(pinned.encryptionKey.kid).toBe(canada.deps.keys.encryption.kid);
  });

  it("pins a fetched descriptor only against fingerprints given out of band", async () => {
    // Whoever answers at the peer's URL serves its own keys (correctly thumbprinted) under the peer's name.
    const real = canada.deps.federation.descriptor();
    const forged = { ...real, keys: { keys: await attackerKeys() } };
    const impostor = await fakePeer(() => JSON.stringify(forged));
    servers.push(impostor.server);
    const realKids = real.keys.keys.map((k) => k.kid);
    const before = await peers(india);

    const blind = await india.api<Problem>("POST", "/api/v1/federation/peers", { url: impostor.url });
    expect(blind.status).toBe(400);
    expect(blind.body.code).toBe("LIAISON_FEDERATION_FINGERPRINT_REQUIRED");
    const mismatched = await india.api<Problem>("POST", "/api/v1/federation/peers", {
      url: impostor.url,
      fingerprints: realKids,
    });
    expect(mismatched.status).toBe(400);
    expect(mismatched.body.code).toBe("LIAISON_FEDERATION_FINGERPRINT_MISMATCH");
    expect(await peers(india)).toEqual(before);

    // The CLI refuses a URL without fingerprints before asking the node; with the right ones it pins.
    const target = ["--node", india.url, "--token", india.adminToken];
    await expect(cli(["peers", "add", canada.url, ...target])).rejects.toThrow(/--fingerprint/);
    await expect(cli(["peers", "add", impostor.url, "--fingerprint", ...realKids, ...target])).rejects.toThrow(
      /LIAISON_FEDERATION_FINGERPRINT_MISMATCH/,
    );
    expect(await cli(["peers", "add", canada.url, "--fingerprint", ...realKids, ...target])).toMatch(/pinned CA/);
    expect((await peers(india)).find((p) => p.party === "CA")?.kids.sort()).toEqual([...realKids].sort());
  });

  it("refuses plain http outside loopback in production", async () => {
    const { fetchPeerDescriptor } = await import("../../src/modules/federation/peers.fetch.ts");
    const client = india.deps.client;
    await expect(fetchPeerDescriptor(client, "production", "http://peer.example.org:7100")).rejects.toMatchObject({
      code: "LIAISON_FEDERATION_INSECURE_URL",
    });
    await expect(fetchPeerDescriptor(client, "production", canada.url)).resolves.toMatchObject({ party: "CA" });
  });

  it("a retired key verifies only what it signed before its retirement", async () => {
    const factory = envelopeFactory(india, canada);
    const oldKey = india.deps.keys.byKid.get(retiredKid);
    expect(oldKey?.retiredAt?.toISOString()).toBe(retiredAt.toISOString());
    const counts = await storedCounts(canada);
    const signedAfter = await factory.seal(factory.payload(), oldKey as NodeKey);
    const late = await postBatch(canada, { envelopes: [signedAfter] });
    expect(late.body.results[0]?.error?.code).toBe("LIAISON_FEDERATION_KEY_RETIRED");
    expect(await storedCounts(canada)).toEqual(counts);

    const before = new Date(retiredAt.getTime() - 10_000).toISOString();
    const signedBefore = await factory.seal(factory.payload({ createdAt: before }), oldKey as NodeKey);
    expect((await postBatch(canada, { envelopes: [signedBefore] })).body.results[0]?.receipt).toBeDefined();
  });

  it("refuses receipts signed by a retired key after its retirement", async () => {
    // India learns (by a descriptor its operator trusts) that Canada's signing key retired a minute ago.
    const real = canada.deps.federation.descriptor();
    const retired = new Date(Date.now() - 60_000).toISOString();
    const descriptor = {
      ...real,
      keys: { keys: real.keys.keys.map((k) => (k.use === "sig" ? { ...k, retiredAt: retired } : k)) },
    };
    await india.deps.federation.pinPeer(descriptor, { id: "test" });
    const sent = await sendNotice(india, "receipt");
    const attempts = await eventually(async () => {
      const stored = await india.api<{ status: string; attempts: { error: string | null }[] }>(
        "GET",
        `/api/v1/federation/envelopes/${sent.body.envelopeId}`,
      );
      return stored.body.attempts.length > 0 ? stored.body : undefined;
    }, 30_000);
    expect(attempts.status).toBe("pending");
    expect(attempts.attempts[0]?.error).toMatch(/retired/);
  });

  it("keys revoke: the revoked key verifies nothing, the peer is told in a signed envelope, both sides audit", {
    timeout: 90_000,
  }, async () => {
    const target = ["--node", india.url, "--token", india.adminToken];
    await expect(cli(["keys", "revoke", india.deps.keys.signing.kid, ...target])).rejects.toThrow(
      /LIAISON_KEYS_REVOKE_CURRENT/,
    );
    expect(await cli(["keys", "revoke", retiredKid, ...target])).toMatch(/told: CA/);
    expect((await auditActions(india, "key.revoke")).map((e) => e.subject)).toContain(retiredKid);
    await eventually(
      async () => (await auditActions(canada, "peer.key.revoke")).some((e) => e.subject === retiredKid),
      30_000,
    );
    await eventually(async () => (await canada.deps.peers.require("IN")).keyValidity.get(retiredKid)?.revokedAt);

    // Signed before its retirement, which passed a moment ago: now refused.
    const factory = envelopeFactory(india, canada);
    const counts = await storedCounts(canada);
    const before = new Date(retiredAt.getTime() - 20_000).toISOString();
    const signed = await factory.seal(
      factory.payload({ createdAt: before }),
      india.deps.keys.byKid.get(retiredKid) as NodeKey,
    );
    expect((await postBatch(canada, { envelopes: [signed] })).body.results[0]?.error?.code).toBe(
      "LIAISON_FEDERATION_KEY_REVOKED",
    );
    expect(await storedCounts(canada)).toEqual(counts);

    // A later descriptor that omits the revocation does not bring the key back.
    const stale = india.deps.federation.descriptor();
    const unrevoked = { ...stale, keys: { keys: stale.keys.keys.map(({ revokedAt: _r, ...k }) => k) } };
    await canada.deps.federation.pinPeer(unrevoked, { id: "test" });
    expect((await canada.deps.peers.require("IN")).keyValidity.get(retiredKid)?.revokedAt).toBeDefined();
  });

  it("reads no more of a peer's answer than federation.maxPeerResponseBytes", async () => {
    const huge = JSON.stringify({ results: [], padding: "x".repeat(1024 * 1024) });
    const flood = await fakePeer(() => huge);
    servers.push(flood.server);
    const kids = canada.deps.federation.descriptor().keys.keys.map((k) => k.kid);
    const before = await peers(india);
    const refused = await india.api<Problem>("POST", "/api/v1/federation/peers", {
      url: flood.url,
      fingerprints: kids,
    });
    expect(refused.body.code).toBe("LIAISON_FEDERATION_PEER_RESPONSE_TOO_LARGE");
    expect(await peers(india)).toEqual(before);

    // Batch answers too: the delivery attempt fails with the code and the envelope stays queued.
    await india.deps.federation.pinPeer({ ...canada.deps.federation.descriptor(), baseUrl: flood.url }, { id: "test" });
    const sent = await sendNotice(india, "flood");
    const stored = await eventually(async () => {
      const s = await india.api<{ status: string; attempts: { error_code: string | null }[] }>(
        "GET",
        `/api/v1/federation/envelopes/${sent.body.envelopeId}`,
      );
      return s.body.attempts.length > 0 ? s.body : undefined;
    }, 30_000);
    expect(stored.status).toBe("pending");
    expect(stored.attempts[0]?.error_code).toBe("LIAISON_FEDERATION_PEER_RESPONSE_TOO_LARGE");
  });
});
