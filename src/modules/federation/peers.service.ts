import type { KeyLike } from "jose";
import { calculateJwkThumbprint, importJWK } from "jose";
import { LiaisonError } from "../../core/errors.ts";
import { insideChange } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { RecipientKey } from "./envelope-crypto.ts";
import { Descriptor } from "./federation.schema.ts";
import { deletePeer, findPeer, listPeers, upsertPeer } from "./peers.repository.ts";
import {
  assertKeyValidAt,
  assertKidsAreThumbprints,
  type KeyValidity,
  mergeValidity,
  validityOf,
} from "./peers.validity.ts";

/** A pinned peer with its keys imported once. */
export interface Peer {
  party: string;
  name: string;
  baseUrl: string;
  descriptor: Descriptor;
  /** Every signing key the peer published (current, retired, revoked); use `assertPeerKeyValidAt` before trusting one. */
  signingKeys: Map<string, KeyLike>;
  /** When each key of the descriptor was retired or revoked, by kid. */
  keyValidity: Map<string, KeyValidity>;
  /** The peer's current encryption key: its first `enc` key neither retired nor revoked. */
  encryptionKey: RecipientKey;
}

/** Throws LIAISON_FEDERATION_KEY_REVOKED / _KEY_RETIRED unless the peer's key may vouch for `signedAt`. */
export function assertPeerKeyValidAt(
  peer: Peer,
  kid: string,
  signedAt: Date | string,
  options: { selfRevocation?: boolean } = {},
): void {
  assertKeyValidAt(peer.keyValidity.get(kid), kid, new Date(signedAt), options);
}

/** What an operator is expected to give when pinning: the kids read out of band. */
export interface PinOptions {
  /** Every key the descriptor lists must be one of these or already pinned for that party; each must be listed. */
  fingerprints?: readonly string[] | undefined;
}

export function parseDescriptor(value: unknown): Descriptor {
  const parsed = Descriptor.safeParse(value);
  if (!parsed.success) {
    throw new LiaisonError(
      "LIAISON_FEDERATION_DESCRIPTOR_INVALID",
      400,
      `invalid peer descriptor: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const d = parsed.data;
  if (!d.keys.keys.some((k) => k.use === "sig") || !d.keys.keys.some((k) => k.use === "enc")) {
    throw new LiaisonError("LIAISON_FEDERATION_DESCRIPTOR_INVALID", 400, "a descriptor needs a sig and an enc key");
  }
  return d;
}

async function toPeer(descriptor: Descriptor): Promise<Peer> {
  const signingKeys = new Map<string, KeyLike>();
  const keyValidity = new Map<string, KeyValidity>();
  let encryptionKey: RecipientKey | undefined;
  let encryptionRetired = false;
  for (const jwk of descriptor.keys.keys) {
    // Pins made before kids were checked may hold a key under another key's id: such a key verifies nothing.
    if ((await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "sha256")) !== jwk.kid) continue;
    const validity = validityOf(jwk);
    keyValidity.set(jwk.kid, validity);
    if (jwk.use === "sig" && jwk.crv === "Ed25519") {
      signingKeys.set(jwk.kid, (await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")) as KeyLike);
    } else if (jwk.use === "enc" && jwk.crv === "X25519" && !validity.revokedAt) {
      // Prefer a key that is not retired; a retired one only if it is all the peer has left.
      if (encryptionKey && (validity.retiredAt || !encryptionRetired)) continue;
      encryptionKey = {
        kid: jwk.kid,
        key: (await importJWK({ ...jwk, alg: "ECDH-ES+A256KW" }, "ECDH-ES+A256KW")) as KeyLike,
      };
      encryptionRetired = validity.retiredAt !== undefined;
    }
  }
  if (!encryptionKey || signingKeys.size === 0) {
    throw new LiaisonError(
      "LIAISON_FEDERATION_DESCRIPTOR_INVALID",
      400,
      `${descriptor.party}: descriptor keys must be Ed25519 (sig) and X25519 (enc), with an enc key not revoked`,
    );
  }
  return {
    party: descriptor.party,
    name: descriptor.name,
    baseUrl: descriptor.baseUrl,
    descriptor,
    signingKeys,
    keyValidity,
    encryptionKey,
  };
}

/**
 * The operator's out-of-band check: the descriptor lists no key that is neither expected nor already pinned for
 * that party (an attacker's key cannot carry a pinned kid, kids being thumbprints), and every expected key is there.
 */
function assertFingerprints(descriptor: Descriptor, expected: readonly string[], pinned: Descriptor | undefined) {
  const given = new Set(expected);
  const known = new Set(pinned?.keys.keys.map((k) => k.kid) ?? []);
  const listed = new Set(descriptor.keys.keys.map((k) => k.kid));
  const unexpected = [...listed].filter((kid) => !given.has(kid) && !known.has(kid));
  const missing = [...given].filter((kid) => !listed.has(kid));
  if (unexpected.length > 0 || missing.length > 0) {
    throw new LiaisonError(
      "LIAISON_FEDERATION_FINGERPRINT_MISMATCH",
      400,
      `the descriptor's keys do not match the fingerprints given${unexpected.length ? `; unexpected: ${unexpected.join(", ")}` : ""}${missing.length ? `; missing: ${missing.map((k) => k.slice(0, 64)).join(", ")}` : ""}`,
    );
  }
}

/**
 * The pinned peers, cached in memory. Nothing is trusted on first use: a peer exists only once an operator
 * pinned its descriptor. The cache reloads on a miss, so a peer pinned by the CLI in another process is seen, and
 * when it is older than `maxAgeMs`, so a key revoked through another process (or while a reload was reading)
 * stops verifying within that time everywhere.
 */
export class PeerDirectory {
  private peers = new Map<string, Peer>();
  private signers = new Map<string, Peer>();
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly ownParty: string,
    private readonly maxAgeMs = 2000,
  ) {}

  /** Read the peers again at the next lookup (never inside a transaction: PGlite has one session). */
  invalidate(): void {
    this.loadedAt = 0;
  }

  private async fresh(): Promise<void> {
    if (Date.now() - this.loadedAt <= this.maxAgeMs) return;
    const reloading = this.startReload();
    // Inside a change (an approval sealing the held message, say) the reload would wait on PGlite for the
    // change's own transaction: serve what is cached and let the reload finish once it commits.
    if (this.loadedAt > 0 && insideChange()) return void reloading.catch(() => undefined);
    await reloading;
  }

  private startReload(): Promise<void> {
    this.reloading ??= this.reload().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  async reload(): Promise<void> {
    const rows = await listPeers(this.db);
    const peers = new Map<string, Peer>();
    const signers = new Map<string, Peer>();
    for (const row of rows) {
      const peer = await toPeer(row.descriptor);
      peers.set(peer.party, peer);
      for (const kid of peer.signingKeys.keys()) signers.set(kid, peer);
    }
    this.peers = peers;
    this.signers = signers;
    this.loadedAt = Date.now();
  }

  /** Reload at most once a second on misses, so a flood of unknown kids cannot hammer the database. */
  private async reloadOnMiss(): Promise<void> {
    if (Date.now() - this.loadedAt <= 1000) return;
    const reloading = this.startReload();
    // A miss inside a change fails now; the peer is there for the next lookup.
    if (insideChange()) return void reloading.catch(() => undefined);
    await reloading;
  }

  async get(party: string): Promise<Peer | undefined> {
    await this.fresh();
    if (!this.peers.has(party)) await this.reloadOnMiss();
    return this.peers.get(party);
  }

  async require(party: string): Promise<Peer> {
    const peer = await this.get(party);
    if (!peer) throw new LiaisonError("LIAISON_FEDERATION_UNKNOWN_PEER", 400, `no pinned peer for party ${party}`);
    return peer;
  }

  async findBySigningKid(kid: string): Promise<Peer | undefined> {
    await this.fresh();
    if (!this.signers.has(kid)) await this.reloadOnMiss();
    return this.signers.get(kid);
  }

  list(): Peer[] {
    return [...this.peers.values()];
  }

  /** Every check comes before the one write: a refused descriptor changes nothing. */
  async pin(value: unknown, at: Date, options: PinOptions = {}): Promise<Descriptor> {
    const descriptor = parseDescriptor(value);
    if (descriptor.party === this.ownParty) {
      throw new LiaisonError("LIAISON_FEDERATION_DESCRIPTOR_INVALID", 400, "a node cannot pin itself as a peer");
    }
    await assertKidsAreThumbprints(descriptor);
    const row = await findPeer(this.db, descriptor.party);
    const pinned = row ? Descriptor.parse(row.descriptor) : undefined;
    if (options.fingerprints) assertFingerprints(descriptor, options.fingerprints, pinned);
    const merged = mergeValidity(descriptor, pinned);
    const usable = (use: "sig" | "enc") => merged.keys.keys.some((k) => k.use === use && !k.revokedAt);
    if (!usable("sig") || !usable("enc")) {
      throw new LiaisonError(
        "LIAISON_FEDERATION_DESCRIPTOR_INVALID",
        400,
        "every sig or every enc key of this descriptor is revoked: there is nothing left to trust",
      );
    }
    await upsertPeer(this.db, merged, at);
    await this.reload();
    return merged;
  }

  async unpin(party: string): Promise<boolean> {
    const removed = await deletePeer(this.db, party);
    await this.reload();
    return removed;
  }
}
