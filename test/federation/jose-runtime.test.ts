import { KeyObject } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK } from "jose";
import { describe, expect, it } from "vitest";

// Why jose 5 is pinned: its Node runtime works on node:crypto KeyObjects, which cost about half the CPU per
// envelope of jose 6's WebCrypto-only runtime on Node 20 (docs/ARCHITECTURE.md, "A pinned dependency").
// An upgrade that brings WebCrypto back must be a decision, measured with `npm run bench:federation`.
describe("the jose runtime", () => {
  it("imports the node's keys as node:crypto KeyObjects, not WebCrypto CryptoKeys", async () => {
    for (const [alg, crv] of [
      ["EdDSA", "Ed25519"],
      ["ECDH-ES+A256KW", "X25519"],
    ] as const) {
      const { privateKey } = await generateKeyPair(alg, { crv, extractable: true });
      expect(privateKey).toBeInstanceOf(KeyObject);
      const imported = await importJWK({ ...(await exportJWK(privateKey)), alg }, alg);
      expect(imported).toBeInstanceOf(KeyObject);
    }
  });
});
