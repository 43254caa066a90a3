import type { EnvelopePayload } from "../../core/envelope.ts";
import { KEY_REVOCATION_ENVELOPE, KeyRevocationBody } from "../keys/keys.schema.ts";
import { federationError } from "./envelope-crypto.ts";
import type { EnvelopeHandler } from "./envelope-handlers.ts";
import { findPeer, updatePeerDescriptor } from "./peers.repository.ts";
import type { PeerDirectory } from "./peers.service.ts";

/** A `keys.revocation` signed by the very key it revokes: accepted even once that key is retired. */
export function isSelfRevocation(payload: EnvelopePayload, signerKid: string): boolean {
  return payload.type === KEY_REVOCATION_ENVELOPE && (payload.body as { kid?: unknown }).kid === signerKid;
}

/**
 * The peer revoked one of its keys. Runs in the inbox transaction (the EnvelopeHandler contract): the pinned
 * descriptor marks the key revoked, and the audit record of it, commit with the inbox row or not at all. A
 * revocation cannot be undone by a later descriptor (peers.validity.ts mergeValidity). Refused, changing nothing:
 * a key the peer never had pinned here, and the peer's last encryption key (this node would have nothing left to
 * encrypt to; pin its new descriptor first, then have it retry).
 */
export function keyRevocationHandler(peers: PeerDirectory): EnvelopeHandler<typeof KeyRevocationBody> {
  return {
    type: KEY_REVOCATION_ENVELOPE,
    versions: [1],
    body: KeyRevocationBody,
    handle: async (change, { payload }) => {
      const { kid, use, revokedAt } = payload.body;
      const row = await findPeer(change.tx, payload.from, { forUpdate: true });
      const descriptor = row?.descriptor;
      const key = descriptor?.keys.keys.find((k) => k.kid === kid && k.use === use);
      if (!descriptor || !key) {
        throw federationError("REVOCATION_UNKNOWN_KEY", `${payload.from} has no ${use} key ${kid} pinned here`);
      }
      if (
        use === "enc" &&
        !key.revokedAt &&
        !descriptor.keys.keys.some((k) => k.use === "enc" && k.kid !== kid && !k.revokedAt)
      ) {
        throw federationError(
          "REVOCATION_REFUSED",
          `${kid} is the only encryption key of ${payload.from} pinned here: re-pin its new descriptor first`,
          409,
        );
      }
      const first = !key.revokedAt || new Date(revokedAt) < new Date(key.revokedAt);
      if (first) {
        const keys = descriptor.keys.keys.map((k) => (k.kid === kid ? { ...k, revokedAt } : k));
        await updatePeerDescriptor(change.tx, { ...descriptor, keys: { keys } }, change.at);
      }
      change.audit({
        actor: `peer:${payload.from}`,
        action: "peer.key.revoke",
        subject: kid,
        outcome: key.revokedAt ? "duplicate" : "success",
        details: { party: payload.from, use, revokedAt, envelopeId: payload.id },
      });
      // Seen at the next lookup; the directory's maximum age covers a reload that read before this commit.
      peers.invalidate();
    },
  };
}
