import { calculateJwkThumbprint, type JWK } from "jose";
import { federationError } from "./envelope-crypto.ts";
import type { Descriptor } from "./federation.schema.ts";

/**
 * What binds a peer's keys: each `kid` must be the RFC 7638 thumbprint of its key (so a kid read out of band
 * names exactly one key), and each key carries its validity. A retired key verifies only what was signed before
 * `retiredAt`; a revoked key verifies nothing. Validity only ever shrinks: a later descriptor can retire or revoke
 * a key, never bring it back.
 */
export interface KeyValidity {
  retiredAt?: Date | undefined;
  revokedAt?: Date | undefined;
}

type DescriptorKey = Descriptor["keys"]["keys"][number];

/** Refuse any key whose kid is not its own thumbprint: comparing kids out of band must prove the keys. */
export async function assertKidsAreThumbprints(descriptor: Descriptor): Promise<void> {
  const wrong: string[] = [];
  for (const jwk of descriptor.keys.keys) {
    const thumbprint = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x } as JWK, "sha256");
    if (thumbprint !== jwk.kid) wrong.push(jwk.kid.slice(0, 64));
  }
  if (wrong.length > 0) {
    throw federationError(
      "DESCRIPTOR_KID_MISMATCH",
      `key id(s) ${wrong.join(", ")} are not the RFC 7638 thumbprints of their keys`,
    );
  }
}

export function validityOf(jwk: DescriptorKey): KeyValidity {
  return {
    retiredAt: jwk.retiredAt ? new Date(jwk.retiredAt) : undefined,
    revokedAt: jwk.revokedAt ? new Date(jwk.revokedAt) : undefined,
  };
}

const earlier = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : new Date(a) <= new Date(b) ? a : b;

/**
 * The descriptor to store when `incoming` replaces `pinned`: a key's retirement and revocation keep their earliest
 * time, and a revoked key the new descriptor no longer lists stays pinned as revoked, so that no later descriptor
 * (or a stale copy of one) can make it verify again.
 */
export function mergeValidity(incoming: Descriptor, pinned: Descriptor | undefined): Descriptor {
  if (!pinned) return incoming;
  const old = new Map(pinned.keys.keys.map((k) => [k.kid, k]));
  const keys = incoming.keys.keys.map((k) => {
    const before = old.get(k.kid);
    if (!before) return k;
    const retiredAt = earlier(k.retiredAt, before.retiredAt);
    const revokedAt = earlier(k.revokedAt, before.revokedAt);
    return { ...k, ...(retiredAt ? { retiredAt } : {}), ...(revokedAt ? { revokedAt } : {}) };
  });
  const listed = new Set(keys.map((k) => k.kid));
  const keptRevoked = pinned.keys.keys.filter((k) => k.revokedAt && !listed.has(k.kid));
  return { ...incoming, keys: { keys: [...keys, ...keptRevoked] } };
}

/**
 * May this key vouch for something signed at `signedAt`? Revoked: never. Retired: only for what was signed
 * before its retirement. `signedAt` is the time the signed object itself states (an envelope's createdAt, a
 * receipt's receivedAt, a head's timestamp); each caller bounds how far that time can be backdated.
 * A key may always announce its own revocation (`selfRevocation`), even once retired: revoking it can only help.
 */
export function assertKeyValidAt(
  validity: KeyValidity | undefined,
  kid: string,
  signedAt: Date,
  options: { selfRevocation?: boolean } = {},
): void {
  if (validity?.revokedAt) {
    throw federationError("KEY_REVOKED", `key ${kid} was revoked at ${validity.revokedAt.toISOString()}`, 401);
  }
  if (options.selfRevocation) return;
  if (Number.isNaN(signedAt.getTime())) throw federationError("KEY_RETIRED", `key ${kid}: no valid signing time`, 401);
  if (validity?.retiredAt && signedAt >= validity.retiredAt) {
    throw federationError(
      "KEY_RETIRED",
      `key ${kid} was retired at ${validity.retiredAt.toISOString()} and cannot vouch for ${signedAt.toISOString()}`,
      401,
    );
  }
}
