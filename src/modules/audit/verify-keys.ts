import { decodeProtectedHeader, importJWK, type JWK, type KeyLike } from "jose";
import type { z } from "zod";
import { assertKeyValidAt, type KeyValidity } from "../federation/peers.validity.ts";
import { verifySigned } from "./tree-head.ts";

/**
 * The keys `liaison audit verify` checks heads and countersignatures with, and their validity as the descriptor
 * (or the node's `/api/v1/audit/keys`, or an export's keys.json) states it: the rule of the federation
 * (peers.validity.ts) holds here too. A retired key vouches only for what it signed before `retiredAt`, judged
 * by the time the signed object states (a head's `timestamp`, the later of a countersignature's `timestamp` and
 * `witnessedAt`); a revoked key
 * vouches for nothing. Without this, a stolen key the operator had rotated out could still sign heads an
 * auditor accepts.
 */
export interface VerifyingKeys {
  keys: Map<string, KeyLike>;
  validity: Map<string, KeyValidity>;
}

type PublishedJwk = JWK & { retiredAt?: string; revokedAt?: string };

export async function verifyingKeys(jwks: readonly PublishedJwk[]): Promise<VerifyingKeys> {
  const keys = new Map<string, KeyLike>();
  const validity = new Map<string, KeyValidity>();
  for (const jwk of jwks) {
    if (!jwk.kid || jwk.crv !== "Ed25519") continue;
    const { retiredAt, revokedAt, ...bare } = jwk;
    keys.set(jwk.kid, (await importJWK({ ...bare, alg: "EdDSA" }, "EdDSA")) as KeyLike);
    validity.set(jwk.kid, {
      retiredAt: retiredAt ? new Date(retiredAt) : undefined,
      revokedAt: revokedAt ? new Date(revokedAt) : undefined,
    });
  }
  return { keys, validity };
}

/** `verifySigned`, then the signing key's validity at the time the payload states (`signedAt`). */
export async function verifySignedAt<S extends z.ZodType>(
  jws: string,
  typ: string,
  keys: VerifyingKeys,
  schema: S,
  signedAt: (payload: z.infer<S>) => string,
): Promise<z.infer<S>> {
  const payload = await verifySigned(jws, typ, keys.keys, schema);
  const kid = decodeProtectedHeader(jws).kid as string;
  assertKeyValidAt(keys.validity.get(kid), kid, new Date(signedAt(payload)));
  return payload;
}
