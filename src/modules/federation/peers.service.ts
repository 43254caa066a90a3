import type { KeyLike } from "jose";
import { importJWK } from "jose";
import { LiaisonError } from "../../core/errors.ts";
import type { Db } from "../../db/database.ts";
import type { RecipientKey } from "./envelope-crypto.ts";
import { Descriptor } from "./federation.schema.ts";
import { deletePeer, listPeers, upsertPeer } from "./peers.repository.ts";

/** A pinned peer with its keys imported once. */
export interface Peer {
  party: string;
  name: string;
  baseUrl: string;
  descriptor: Descriptor;
  /** Every signing key the peer published (current and retired): old signatures still verify. */
  signingKeys: Map<string, KeyLike>;
  /** The peer's current encryption key: the first `enc` key of its descriptor. */
  encryptionKey: RecipientKey;
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
  let encryptionKey: RecipientKey | undefined;
  for (const jwk of descriptor.keys.keys) {
    if (jwk.use === "sig" && jwk.crv === "Ed25519") {
      signingKeys.set(jwk.kid, (await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")) as KeyLike);
    } else if (jwk.use === "enc" && jwk.crv === "X25519" && !encryptionKey) {
      encryptionKey = {
        kid: jwk.kid,
        key: (await importJWK({ ...jwk, alg: "ECDH-ES+A256KW" }, "ECDH-ES+A256KW")) as KeyLike,
      };
    }
  }
  if (!encryptionKey || signingKeys.size === 0) {
    throw new LiaisonError(
      "LIAISON_FEDERATION_DESCRIPTOR_INVALID",
      400,
      "descriptor keys must be Ed25519 (sig) and X25519 (enc)",
    );
  }
  return {
    party: descriptor.party,
    name: descriptor.name,
    baseUrl: descriptor.baseUrl,
    descriptor,
    signingKeys,
    encryptionKey,
  };
}

/**
 * The pinned peers, cached in memory. Nothing is trusted on first use: a peer exists only once an operator
 * pinned its descriptor. The cache reloads on a miss, so a peer pinned by the CLI in another process is seen.
 */
export class PeerDirectory {
  private peers = new Map<string, Peer>();
  private signers = new Map<string, Peer>();
  private loadedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly ownParty: string,
  ) {}

  async reload(): Promise<void> {
    const rows = await listPeers(this.db);
    const peers = new Map<string, Peer>();
    const signers = new Map<string, Peer>();
    for (const row of rows) {
      const peer = await toPeer(typeof row.descriptor === "string" ? JSON.parse(row.descriptor) : row.descriptor);
      peers.set(peer.party, peer);
      for (const kid of peer.signingKeys.keys()) signers.set(kid, peer);
    }
    this.peers = peers;
    this.signers = signers;
    this.loadedAt = Date.now();
  }

  /** Reload at most once a second on misses, so a flood of unknown kids cannot hammer the database. */
  private async reloadOnMiss(): Promise<void> {
    if (Date.now() - this.loadedAt > 1000) await this.reload();
  }

  async get(party: string): Promise<Peer | undefined> {
    if (!this.peers.has(party)) await this.reloadOnMiss();
    return this.peers.get(party);
  }

  async require(party: string): Promise<Peer> {
    const peer = await this.get(party);
    if (!peer) throw new LiaisonError("LIAISON_FEDERATION_UNKNOWN_PEER", 400, `no pinned peer for party ${party}`);
    return peer;
  }

  async findBySigningKid(kid: string): Promise<Peer | undefined> {
    if (!this.signers.has(kid)) await this.reloadOnMiss();
    return this.signers.get(kid);
  }

  list(): Peer[] {
    return [...this.peers.values()];
  }

  async pin(value: unknown, at: Date): Promise<Descriptor> {
    const descriptor = parseDescriptor(value);
    if (descriptor.party === this.ownParty) {
      throw new LiaisonError("LIAISON_FEDERATION_DESCRIPTOR_INVALID", 400, "a node cannot pin itself as a peer");
    }
    await upsertPeer(this.db, descriptor, at);
    await this.reload();
    return descriptor;
  }

  async unpin(party: string): Promise<boolean> {
    const removed = await deletePeer(this.db, party);
    await this.reload();
    return removed;
  }
}
