/**
 * Keys module: owns the node's signing (Ed25519) and encryption (X25519) key pairs, stored as JWK files under
 * <dataDir>/keys/ with mode 0600 and RFC 7638 thumbprints as key ids. The current key of each use signs or
 * receives; retired keys stay in keys/retired/ so that what they signed still verifies and what was encrypted
 * to them still decrypts.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyLike } from "jose";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { LiaisonError } from "../../core/errors.ts";

export type KeyUse = "sig" | "enc";

export interface NodeKey {
  kid: string;
  use: KeyUse;
  alg: "EdDSA" | "ECDH-ES+A256KW";
  privateJwk: JWK;
  publicJwk: JWK;
  privateKey: KeyLike;
  publicKey: KeyLike;
}

export interface KeyRing {
  signing: NodeKey;
  encryption: NodeKey;
  /** Every key this node holds, current first, by kid. */
  byKid: Map<string, NodeKey>;
  /** Public JWKs for the descriptor: current and retired keys of both uses. */
  publicJwks(): JWK[];
}

const FILES: Record<KeyUse, string> = { sig: "signing.private.jwk.json", enc: "encryption.private.jwk.json" };
const ALGS = { sig: "EdDSA", enc: "ECDH-ES+A256KW" } as const;

export const keysDir = (dataDir: string) => join(dataDir, "keys");

async function generateJwk(use: KeyUse): Promise<JWK> {
  const { privateKey } = await generateKeyPair(use === "sig" ? "EdDSA" : "ECDH-ES+A256KW", {
    crv: use === "sig" ? "Ed25519" : "X25519",
    extractable: true,
  });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  return { ...jwk, kid, use, alg: ALGS[use] };
}

function writePrivateJwk(path: string, jwk: JWK): void {
  writeFileSync(path, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function publicPart(jwk: JWK): JWK {
  const { d: _d, ...rest } = jwk;
  return rest;
}

async function loadKey(jwk: JWK, use: KeyUse): Promise<NodeKey> {
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  if (jwk.kid && jwk.kid !== kid) {
    throw new LiaisonError("LIAISON_KEYS_INVALID", 500, `key ${jwk.kid} does not match its thumbprint ${kid}`);
  }
  const alg = ALGS[use];
  const publicJwk = { ...publicPart(jwk), kid, use, alg };
  return {
    kid,
    use,
    alg,
    privateJwk: { ...jwk, kid, use, alg },
    publicJwk,
    privateKey: (await importJWK({ ...jwk, alg }, alg)) as KeyLike,
    publicKey: (await importJWK(publicJwk, alg)) as KeyLike,
  };
}

function readJwk(path: string): JWK {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as JWK;
  } catch (error) {
    throw new LiaisonError("LIAISON_KEYS_UNREADABLE", 500, `cannot read key file ${path}: ${(error as Error).message}`);
  }
}

/** Create the key files if they do not exist. Returns the kids of the current keys. */
export async function initKeys(
  dataDir: string,
): Promise<{ created: boolean; signingKid: string; encryptionKid: string }> {
  const dir = keysDir(dataDir);
  mkdirSync(join(dir, "retired"), { recursive: true, mode: 0o700 });
  let created = false;
  for (const use of ["sig", "enc"] as const) {
    const path = join(dir, FILES[use]);
    if (!existsSync(path)) {
      writePrivateJwk(path, await generateJwk(use));
      created = true;
    }
  }
  const ring = await loadKeyRing(dataDir);
  return { created, signingKid: ring.signing.kid, encryptionKid: ring.encryption.kid };
}

/**
 * Rotate one use (or both): the current key moves to keys/retired/<kid>.<use>.private.jwk.json and a new one
 * takes its place. Peers learn the new key from the descriptor (they re-import it, or receive it in a
 * `federation.descriptor` envelope signed by the old key).
 */
export async function rotateKeys(
  dataDir: string,
  uses: KeyUse[] = ["sig", "enc"],
): Promise<{ retired: string[]; created: string[] }> {
  const dir = keysDir(dataDir);
  mkdirSync(join(dir, "retired"), { recursive: true, mode: 0o700 });
  const retired: string[] = [];
  const created: string[] = [];
  for (const use of uses) {
    const path = join(dir, FILES[use]);
    if (existsSync(path)) {
      const old = readJwk(path);
      const kid = await calculateJwkThumbprint(old, "sha256");
      renameSync(path, join(dir, "retired", `${kid}.${use}.private.jwk.json`));
      retired.push(kid);
    }
    const fresh = await generateJwk(use);
    writePrivateJwk(path, fresh);
    created.push(fresh.kid as string);
  }
  return { retired, created };
}

export async function loadKeyRing(dataDir: string): Promise<KeyRing> {
  const dir = keysDir(dataDir);
  const current: Partial<Record<KeyUse, NodeKey>> = {};
  for (const use of ["sig", "enc"] as const) {
    const path = join(dir, FILES[use]);
    if (!existsSync(path)) {
      throw new LiaisonError(
        "LIAISON_KEYS_MISSING",
        500,
        `no ${FILES[use]} in ${dir}: run \`liaison keys init\` first`,
      );
    }
    current[use] = await loadKey(readJwk(path), use);
  }
  const byKid = new Map<string, NodeKey>();
  const signing = current.sig as NodeKey;
  const encryption = current.enc as NodeKey;
  byKid.set(signing.kid, signing);
  byKid.set(encryption.kid, encryption);
  const retiredDir = join(dir, "retired");
  if (existsSync(retiredDir)) {
    for (const file of readdirSync(retiredDir).sort()) {
      const match = /^[A-Za-z0-9_-]+\.(sig|enc)\.private\.jwk\.json$/.exec(file);
      if (!match) continue;
      const key = await loadKey(readJwk(join(retiredDir, file)), match[1] as KeyUse);
      if (!byKid.has(key.kid)) byKid.set(key.kid, key);
    }
  }
  return {
    signing,
    encryption,
    byKid,
    publicJwks: () => [...byKid.values()].map((k) => k.publicJwk),
  };
}
