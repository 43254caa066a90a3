import type { Clock } from "../../core/clock.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { FederationService } from "../federation/federation.service.ts";
import type { PeerDirectory } from "../federation/peers.service.ts";
import { KEY_REVOCATION_ENVELOPE, type KeyRevocationBody } from "./keys.schema.ts";
import { type KeyRing, revokeKeyFile } from "./keys.service.ts";

export interface KeyRevocationDeps {
  dataDir: string;
  clock: Clock;
  keys: KeyRing;
  peers: PeerDirectory;
  federation: FederationService;
  changes: ChangeRunner;
}

/**
 * Revoking one of this node's retired keys: the key file records `revokedAt` (so the descriptor publishes it from
 * now on), and every pinned peer is told in a signed `keys.revocation` envelope, queued in the transaction that
 * audits the revocation. From then on the peer refuses anything that key signs, whatever date it claims.
 *
 * A signing key signs its own revocation (as an OpenPGP revocation certificate does): a peer that has not yet
 * pinned this node's new key still knows the old one, and a revocation can only take trust away. The current keys
 * cannot be revoked (`LIAISON_KEYS_REVOKE_CURRENT`): rotate first.
 */
export class KeyRevocationService {
  constructor(private readonly deps: KeyRevocationDeps) {}

  async revoke(kid: string, actor: { id: string; requestId?: string | undefined }) {
    const { dataDir, clock, keys, peers, federation, changes } = this.deps;
    const revoked = await revokeKeyFile(dataDir, kid, clock.now());
    const key = keys.byKid.get(kid);
    if (key) key.revokedAt = revoked.revokedAt;
    const body: KeyRevocationBody = { kid, use: revoked.use, revokedAt: revoked.revokedAt.toISOString() };
    const signer = revoked.use === "sig" && key ? key : keys.signing;
    await peers.reload();
    const sealed = await Promise.all(
      peers.list().map((peer) => federation.prepare(peer.party, KEY_REVOCATION_ENVELOPE, body, 1, signer)),
    );
    await changes.run(async (change) => {
      change.send(...sealed);
      change.audit({
        actor: actor.id,
        action: "key.revoke",
        subject: kid,
        outcome: "success",
        requestId: actor.requestId,
        details: {
          use: body.use,
          revokedAt: body.revokedAt,
          signedBy: signer.kid,
          envelopes: sealed.map((s) => ({ peer: s.peer, envelopeId: s.envelopeId })),
        },
      });
    });
    return { ...body, notified: sealed.map((s) => s.peer) };
  }
}
