import { rmSync } from "node:fs";
import { compactDecrypt, compactVerify, decodeProtectedHeader } from "jose";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { eventually, freePort, randomSchema, startTestNode, type TestNode, tempDir } from "../support/nodes.ts";
import { sendNotice } from "../support/notices.ts";

type Stored = { jwe: string; receipt: string | null; status: string };
const WAIT = 30_000;

async function rotateByCli(dataDir: string): Promise<{ retired: string; created: string }> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await main(["node", "liaison", "keys", "rotate", "--data-dir", dataDir]);
    const lines = log.mock.calls.map((c) => String(c[0])).join("\n");
    return {
      retired: /retired: (.*)/.exec(lines)?.[1] ?? "",
      created: /created: (.*)/.exec(lines)?.[1] ?? "",
    };
  } finally {
    log.mockRestore();
  }
}

describe("key rotation", () => {
  const dirs = { IN: tempDir(), CA: tempDir() };
  const schemas = { IN: randomSchema("rot"), CA: randomSchema("rot") };
  let india: TestNode;
  let canada: TestNode;
  const start = (party: "IN" | "CA") => startTestNode({ party, dataDir: dirs[party], schema: schemas[party] });
  const pinBoth = async () => {
    await india.deps.federation.pinPeer(canada.deps.federation.descriptor(), { id: "test" });
    await canada.deps.federation.pinPeer(india.deps.federation.descriptor(), { id: "test" });
  };
  const stored = async (node: TestNode, id: string) =>
    (await node.api<Stored>("GET", `/api/v1/federation/envelopes/${id}`)).body;
  const send = async (text: string) => (await sendNotice(india, text)).body.envelopeId;
  const delivered = (id: string) =>
    eventually(async () => {
      const s = await stored(india, id);
      return s.receipt ? s : undefined;
    }, WAIT);

  afterAll(async () => {
    await Promise.all([india?.close(), canada?.close()]);
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  });

  it("signs with the new key while old signatures verify and old ciphertexts decrypt", {
    timeout: 120_000,
  }, async () => {
    india = await start("IN");
    canada = await start("CA");
    await pinBoth();
    const oldIndiaSig = india.deps.keys.signing.kid;
    const oldCanadaSig = canada.deps.keys.signing.kid;
    const oldCanadaEnc = canada.deps.keys.encryption.kid;
    const before = await delivered(await send("before rotation"));

    // An envelope sealed with the old keys waits in India's outbox while the link is down.
    await india.deps.federation.pinPeer(
      { ...canada.deps.federation.descriptor(), baseUrl: `http://127.0.0.1:${await freePort()}` },
      { id: "test" },
    );
    const waiting = await send("sealed before rotation");
    expect(decodeProtectedHeader((await stored(india, waiting)).jwe).kid).toBe(oldCanadaEnc);

    await Promise.all([india.close(), canada.close()]);
    const rotatedIndia = await rotateByCli(dirs.IN);
    const rotatedCanada = await rotateByCli(dirs.CA);
    expect(rotatedIndia.retired).toContain(oldIndiaSig);
    expect(rotatedCanada.retired).toContain(oldCanadaEnc);
    india = await start("IN");
    canada = await start("CA");
    expect(india.deps.keys.signing.kid).not.toBe(oldIndiaSig);
    expect(canada.deps.keys.encryption.kid).not.toBe(oldCanadaEnc);

    // Each side re-pins the other's new descriptor, which still lists the retired public keys.
    const descriptorKids = canada.deps.federation.descriptor().keys.keys.map((k) => k.kid);
    expect(descriptorKids).toEqual(expect.arrayContaining([oldCanadaSig, oldCanadaEnc, canada.deps.keys.signing.kid]));
    await pinBoth();

    // Signed by India's old key, encrypted to Canada's old key: still accepted after both rotated.
    const late = await delivered(waiting);
    expect((await stored(canada, waiting)).receipt).toBe(late.receipt);
    expect(decodeProtectedHeader(late.receipt as string).kid).toBe(canada.deps.keys.signing.kid);

    // New envelopes use the new keys on both sides.
    const fresh = await send("after rotation");
    const after = await delivered(fresh);
    expect(decodeProtectedHeader(after.jwe).kid).toBe(canada.deps.keys.encryption.kid);
    const { plaintext } = await compactDecrypt(after.jwe, canada.deps.keys.encryption.privateKey);
    expect(decodeProtectedHeader(new TextDecoder().decode(plaintext)).kid).toBe(india.deps.keys.signing.kid);

    // The receipt from before rotation still verifies with what India now has pinned for Canada.
    const pinned = await india.deps.peers.require("CA");
    const oldKey = pinned.signingKeys.get(oldCanadaSig);
    expect(oldKey).toBeDefined();
    await expect(compactVerify(before.receipt as string, oldKey as never)).resolves.toBeDefined();
  });
});
