/**
 * Keys module: owns the node's signing (Ed25519) and encryption (X25519) key pairs, stored as JWK files under
 * <dataDir>/keys/ with mode 0600 and RFC 7638 thumbprints as key ids. The current key of each use signs or
 * receives; retired keys stay in keys/retired/ so that what they signed before their retirement still verifies and
 * what was encrypted to them still decrypts. Each retired key file records `retiredAt`, and `revokedAt` once the
 * operator revoked it (keys.revocation.ts tells the peers); the descriptor publishes both.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
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
  /** Set on retired keys: they vouch only for what was signed before. */
  retiredAt?: Date | undefined;
  /** Set on revoked keys: they vouch for nothing. */
  revokedAt?: Date | undefined;
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

type StoredJwk = JWK & { retiredAt?: string; revokedAt?: string };

/** Written beside and renamed over, so a crash leaves the old file or the new one, never half of one. */
function writePrivateJwk(path: string, jwk: StoredJwk): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export function publicPart(jwk: JWK): JWK {
  const { d: _d, ...rest } = jwk;
  return rest;
}

async function loadKey(jwk: StoredJwk, use: KeyUse): Promise<NodeKey> {
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  if (jwk.kid && jwk.kid !== kid) {
    throw new LiaisonError("LIAISON_KEYS_INVALID", 500, `key ${jwk.kid} does not match its thumbprint ${kid}`);
  }
  const alg = ALGS[use];
  const { retiredAt: _retired, revokedAt: _revoked, ...bare } = jwk;
  const publicJwk = { ...publicPart(bare), kid, use, alg };
  return {
    kid,
    use,
    alg,
    privateJwk: { ...bare, kid, use, alg },
    publicJwk,
    privateKey: (await importJWK({ ...jwk, alg }, alg)) as KeyLike,
    publicKey: (await importJWK(publicJwk, alg)) as KeyLike,
    retiredAt: jwk.retiredAt ? new Date(jwk.retiredAt) : undefined,
    revokedAt: jwk.revokedAt ? new Date(jwk.revokedAt) : undefined,
  };
}

const retiredFile = (dir: string, kid: string, use: KeyUse) => join(dir, "retired", `${kid}.${use}.private.jwk.json`);

function readJwk(path: string): StoredJwk {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as StoredJwk;
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
 * Rotate one use (or both): the current key is copied to keys/retired/<kid>.<use>.private.jwk.json with its
 * `retiredAt`, then a new one replaces it. Peers learn the new key, and the old one's retirement, when they
 * re-pin the descriptor (`liaison peers add <url> --fingerprint <new kids>`).
 */
export async function rotateKeys(
  dataDir: string,
  uses: KeyUse[] = ["sig", "enc"],
  at: Date = new Date(),
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
      // A crash between the two writes leaves the old key current (it wins over its retired copy) and the
      // rotation can simply be run again.
      writePrivateJwk(retiredFile(dir, kid, use), { ...old, retiredAt: at.toISOString() });
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
      const path = join(retiredDir, file);
      const jwk = readJwk(path);
      // Files retired before retiredAt was recorded: the rename into retired/ set their change time.
      jwk.retiredAt ??= statSync(path).ctime.toISOString();
      const key = await loadKey(jwk, match[1] as KeyUse);
      if (!byKid.has(key.kid)) byKid.set(key.kid, key);
    }
  }
  return {
    signing,
    encryption,
    byKid,
    publicJwks: () => [...byKid.values()].map(publishedJwk),
  };
}

/** The public JWK with its validity, as the descriptor carries it. */
function publishedJwk(key: NodeKey): JWK {
  return {
    ...key.publicJwk,
    ...(key.retiredAt ? { retiredAt: key.retiredAt.toISOString() } : {}),
    ...(key.revokedAt ? { revokedAt: key.revokedAt.toISOString() } : {}),
  };
}

/**
 * Mark a retired key revoked in its file (the first revocation time stays). The current keys cannot be revoked:
 * the node would have nothing to sign or be reached with; rotate first.
 */
export async function revokeKeyFile(
  dataDir: string,
  kid: string,
  at: Date,
): Promise<{ kid: string; use: KeyUse; revokedAt: Date }> {
  const dir = keysDir(dataDir);
  for (const use of ["sig", "enc"] as const) {
    const current = join(dir, FILES[use]);
    if (existsSync(current) && (await calculateJwkThumbprint(readJwk(current), "sha256")) === kid) {
      throw new LiaisonError(
        "LIAISON_KEYS_REVOKE_CURRENT",
        409,
        `${kid} is the current ${use} key: run \`liaison keys rotate --use ${use}\` and restart the node first`,
      );
    }
  }
  for (const use of ["sig", "enc"] as const) {
    const path = retiredFile(dir, kid, use);
    if (!existsSync(path)) continue;
    const jwk = readJwk(path);
    const revokedAt = jwk.revokedAt ?? at.toISOString();
    if (!jwk.revokedAt) writePrivateJwk(path, { ...jwk, revokedAt });
    return { kid, use, revokedAt: new Date(revokedAt) };
  }
  throw new LiaisonError("LIAISON_KEYS_NOT_FOUND", 404, `this node holds no retired key ${kid}`);
}
