import { CompactSign, exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { verifyCompactJws } from "./jws.ts";

describe("tree head signatures checked with Web Crypto", () => {
  it("accepts the signer's key, rejects another key, a tampered payload and an unknown kid", async () => {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const other = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1" } as { kty: string; crv: string; x: string; kid: string };
    const otherJwk = { ...(await exportJWK(other.publicKey)), kid: "k1" } as typeof jwk;
    const jws = await new CompactSign(new TextEncoder().encode('{"treeSize":3}'))
      .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
      .sign(privateKey);
    expect(await verifyCompactJws(jws, [jwk])).toEqual({ state: "valid", kid: "k1" });
    expect((await verifyCompactJws(jws, [otherJwk])).state).toBe("invalid");
    const [h, , s] = jws.split(".");
    const forged = `${h}.${Buffer.from('{"treeSize":4}').toString("base64url")}.${s}`;
    expect((await verifyCompactJws(forged, [jwk])).state).toBe("invalid");
    expect(await verifyCompactJws(jws, [{ ...jwk, kid: "k2" }])).toEqual({ state: "invalid", why: "unknown key k1" });
  });
});
