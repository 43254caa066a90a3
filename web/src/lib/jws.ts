import { decodeBytes } from "./merkle.ts";

export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  use?: string;
}

export type SignatureCheck = { state: "valid"; kid: string } | { state: "invalid"; why: string };

/**
 * Verify a compact JWS (EdDSA, Ed25519) with Web Crypto against the given public keys, chosen by the header's
 * kid: the reader checks the node's signature here rather than taking the node's word for it.
 */
export async function verifyCompactJws(jws: string, keys: PublicJwk[]): Promise<SignatureCheck> {
  const [protectedPart, payloadPart, signaturePart] = jws.split(".");
  if (!protectedPart || payloadPart === undefined || !signaturePart)
    return { state: "invalid", why: "not a compact JWS" };
  const header = JSON.parse(new TextDecoder().decode(decodeBytes(protectedPart))) as { alg?: string; kid?: string };
  if (header.alg !== "EdDSA") return { state: "invalid", why: `unexpected alg ${header.alg}` };
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk?.x || jwk.crv !== "Ed25519") return { state: "invalid", why: `unknown key ${header.kid}` };
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: "OKP", crv: "Ed25519", x: jwk.x },
    { name: "Ed25519" },
    false,
    ["verify"],
  );
  const signed = new TextEncoder().encode(`${protectedPart}.${payloadPart}`);
  const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, decodeBytes(signaturePart) as BufferSource, signed);
  return ok ? { state: "valid", kid: header.kid as string } : { state: "invalid", why: "signature does not verify" };
}
