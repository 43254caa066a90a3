import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/canonical-json.ts";
import { type Hash, leafHash, nodeHash, splitPoint } from "../../src/core/merkle.ts";
import { signCountersignature, signTreeHead, toBase64 } from "../../src/modules/audit/tree-head.ts";
import { type LogSource, type SourceLeaf, verifyLog } from "../../src/modules/audit/verify-log.ts";
import { peerKeysFromFile } from "../../src/modules/audit/verify-peer.ts";
import type { WitnessRecordSource } from "../../src/modules/audit/verify-witness.ts";
import type { NodeKey } from "../../src/modules/keys/keys.service.ts";
import { tempDir } from "../support/nodes.ts";

/**
 * Issue 14: `liaison audit verify` honours key validity as the descriptor states it. A tree head or a
 * countersignature signed by a key after its retirement does not verify, one signed before does; a revoked key
 * verifies nothing. The witness's keys come from a saved descriptor file (`--peer-descriptor`), as an auditor
 * would hold them.
 */

const MINUTE = 60_000;

async function signingKey(): Promise<NodeKey & { jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  return { kid, privateKey, jwk: { ...jwk, kid, use: "sig", alg: "EdDSA" } } as unknown as NodeKey & { jwk: JWK };
}

async function encryptionJwk(): Promise<JWK> {
  const { publicKey } = await generateKeyPair("ECDH-ES+A256KW", { crv: "X25519", extractable: true });
  const jwk = await exportJWK(publicKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk, "sha256"), use: "enc", alg: "ECDH-ES+A256KW" };
}

/** RFC 9162 MTH, the slow way: the reference the verifier must agree with. */
function root(hashes: Hash[]): Hash {
  if (hashes.length === 1) return hashes[0] as Hash;
  const k = splitPoint(hashes.length);
  return nodeHash(root(hashes.slice(0, k)), root(hashes.slice(k)));
}

const validity = (v: { retiredAt?: Date; revokedAt?: Date }) => ({
  ...(v.retiredAt ? { retiredAt: v.retiredAt.toISOString() } : {}),
  ...(v.revokedAt ? { revokedAt: v.revokedAt.toISOString() } : {}),
});

interface Scenario {
  /** When the origin signed its head, and the origin key's validity. */
  headAt: Date;
  origin?: { retiredAt?: Date; revokedAt?: Date };
  /** When the witness countersigned, and the witness key's validity (in the descriptor file). */
  witnessedAt: Date;
  witness?: { retiredAt?: Date; revokedAt?: Date };
}

async function run(s: Scenario) {
  const now = new Date();
  const originKey = await signingKey();
  const witnessKey = await signingKey();
  const leaves: SourceLeaf[] = Array.from({ length: 5 }, (_, index) => ({
    index,
    data: Buffer.from(canonicalJson({ index, at: now.toISOString(), action: "test.validity", outcome: "success" })),
  }));
  const rootHash = toBase64(root(leaves.map((l) => leafHash(l.data))));
  const head = { treeSize: leaves.length, rootHash, timestamp: s.headAt.toISOString() };
  const countersigned = await signCountersignature(
    { origin: "IN", witness: "CA", ...head, witnessedAt: s.witnessedAt.toISOString() },
    witnessKey,
  );
  const source: LogSource = {
    treeHead: async () => ({
      signed: await signTreeHead(head, originKey),
      witnesses: [{ party: "CA", signed: countersigned }],
    }),
    keys: async () => ({
      party: "IN",
      keys: [{ ...originKey.jwk, ...validity(s.origin ?? {}) }],
      // What the audited node would serve: valid keys. The descriptor file replaces them.
      peers: [{ party: "CA", keys: [witnessKey.jwk] }],
    }),
    async *pages() {
      yield leaves;
    },
  };
  const file = join(tempDir(), "ca-descriptor.json");
  const descriptor = {
    party: "CA",
    name: "Canada",
    baseUrl: "https://ca.example",
    keys: { keys: [{ ...witnessKey.jwk, ...validity(s.witness ?? {}) }, await encryptionJwk()] },
  };
  writeFileSync(file, JSON.stringify(descriptor));
  const record: WitnessRecordSource = {
    party: "CA",
    source: "test",
    async *heads() {
      yield [{ ...head, acceptedAt: s.witnessedAt.toISOString(), countersigned }];
    },
  };
  return verifyLog(source, { now, peers: [peerKeysFromFile(file)], witnessRecords: [record] });
}

describe("audit verify honours the validity of the keys it checks with", () => {
  const now = Date.now();
  const before = new Date(now - 10 * MINUTE);
  const retired = new Date(now - 5 * MINUTE);
  const after = new Date(now - MINUTE);

  it("everything signed before the keys' retirement verifies", async () => {
    const report = await run({
      headAt: before,
      origin: { retiredAt: retired },
      witnessedAt: before,
      witness: { retiredAt: retired },
    });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("a tree head signed after the origin key's retirement does not verify", async () => {
    const report = await run({ headAt: after, origin: { retiredAt: retired }, witnessedAt: after });
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toMatch(/the tree head does not verify with IN's keys: key .* was retired at/);
  });

  it("a tree head signed by a revoked key does not verify, whenever it says it was signed", async () => {
    const report = await run({ headAt: before, origin: { revokedAt: retired }, witnessedAt: before });
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toMatch(/the tree head does not verify with IN's keys: key .* was revoked at/);
  });

  it("a countersignature made after the witness key's retirement (descriptor file) does not verify", async () => {
    const report = await run({ headAt: after, witnessedAt: after, witness: { retiredAt: retired } });
    expect(report.ok).toBe(false);
    const problems = report.problems.join("\n");
    expect(problems).toMatch(/CA's countersignature does not verify: key .* was retired at/);
    expect(problems).toMatch(/CA's record of size 5 does not verify: key .* was retired at/);
    expect(report.witnesses).toEqual([{ party: "CA", treeSize: -1, ok: false }]);
  });

  it("a countersignature by a revoked witness key does not verify", async () => {
    const report = await run({ headAt: before, witnessedAt: before, witness: { revokedAt: retired } });
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toMatch(/CA's countersignature does not verify: key .* was revoked at/);
  });
});
