import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/canonical-json.ts";
import { envelopeDigest } from "../../src/core/envelope.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { sendNotice } from "../support/notices.ts";
import { envelopeFactory, postBatch } from "./craft.ts";

/**
 * The envelope is read and written here with node:crypto alone, straight from RFC 7516/7518/8037: if this
 * passes, any conforming JOSE library (not just jose) can talk to a Liaison node.
 */
const b64 = (value: string) => Buffer.from(value, "base64url");
const u32 = (n: number) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
};
const lengthPrefixed = (data: Buffer) => Buffer.concat([u32(data.length), data]);
const AES_KW_IV = Buffer.from("A6A6A6A6A6A6A6A6", "hex");

/** RFC 7518 4.6.2: Concat KDF (NIST SP 800-56A), one SHA-256 round is enough for a 256-bit key. */
function concatKdf(z: Buffer, alg: string, apu: Buffer, apv: Buffer): Buffer {
  const otherInfo = Buffer.concat([
    lengthPrefixed(Buffer.from(alg)),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    u32(256),
  ]);
  return createHash("sha256")
    .update(Buffer.concat([u32(1), z, otherInfo]))
    .digest();
}

function decryptWithNodeCrypto(jwe: string, recipient: KeyObject): string {
  const [protectedB64, encryptedKey, iv, ciphertext, tag] = jwe.split(".") as [string, string, string, string, string];
  const header = JSON.parse(b64(protectedB64).toString("utf8"));
  expect(header).toMatchObject({ alg: "ECDH-ES+A256KW", enc: "A256GCM", epk: { kty: "OKP", crv: "X25519" } });
  const epk = createPublicKey({ key: header.epk, format: "jwk" });
  const z = diffieHellman({ privateKey: recipient, publicKey: epk });
  const kek = concatKdf(z, header.alg, b64(header.apu ?? ""), b64(header.apv ?? ""));
  const unwrap = createDecipheriv("id-aes256-wrap", kek, AES_KW_IV);
  const cek = Buffer.concat([unwrap.update(b64(encryptedKey)), unwrap.final()]);
  const gcm = createDecipheriv("aes-256-gcm", cek, b64(iv));
  gcm.setAAD(Buffer.from(protectedB64, "ascii"));
  gcm.setAuthTag(b64(tag));
  return Buffer.concat([gcm.update(b64(ciphertext)), gcm.final()]).toString("utf8");
}

function verifyWithNodeCrypto(jws: string, signer: KeyObject): { header: Record<string, unknown>; payload: string } {
  const [h, p, s] = jws.split(".") as [string, string, string];
  expect(verify(null, Buffer.from(`${h}.${p}`), signer, b64(s))).toBe(true);
  return { header: JSON.parse(b64(h).toString("utf8")), payload: b64(p).toString("utf8") };
}

function encryptWithNodeCrypto(plaintext: string, recipientJwk: { kid?: string; x?: string }): string {
  const recipient = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: recipientJwk.x }, format: "jwk" });
  const ephemeral = generateKeyPairSync("x25519");
  const epk = ephemeral.publicKey.export({ format: "jwk" });
  const header = { alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: recipientJwk.kid, cty: "JWS", epk };
  const protectedB64 = Buffer.from(JSON.stringify(header)).toString("base64url");
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const kek = concatKdf(z, header.alg, Buffer.alloc(0), Buffer.alloc(0));
  const cek = randomBytes(32);
  const wrap = createCipheriv("id-aes256-wrap", kek, AES_KW_IV);
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  const iv = randomBytes(12);
  const gcm = createCipheriv("aes-256-gcm", cek, iv);
  gcm.setAAD(Buffer.from(protectedB64, "ascii"));
  const ciphertext = Buffer.concat([gcm.update(plaintext, "utf8"), gcm.final()]);
  return [protectedB64, encryptedKey, iv, ciphertext, gcm.getAuthTag()]
    .map((part, i) => (i === 0 ? part : (part as Buffer).toString("base64url")))
    .join(".");
}

describe("envelopes are standard JOSE, readable without jose", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    nodes = await startTwoNodes();
  }, 180_000);
  afterAll(async () => nodes?.close());

  it("decrypts and verifies a delivered envelope and its receipt with node:crypto only", async () => {
    const sent = await sendNotice(nodes.india, "interop check");
    const stored = await eventually(async () => {
      const r = await nodes.india.api<{ jwe: string; receipt: string | null }>(
        "GET",
        `/api/v1/federation/envelopes/${sent.body.envelopeId}`,
      );
      return r.body.receipt ? r.body : undefined;
    }, 30_000);

    const canadaEnc = createPrivateKey({ key: nodes.canada.deps.keys.encryption.privateJwk as never, format: "jwk" });
    const jws = decryptWithNodeCrypto(stored.jwe, canadaEnc);
    const indiaSig = createPublicKey({ key: nodes.india.deps.keys.signing.publicJwk as never, format: "jwk" });
    const { header, payload } = verifyWithNodeCrypto(jws, indiaSig);
    expect(header).toEqual({ alg: "EdDSA", kid: nodes.india.deps.keys.signing.kid, typ: "liaison-envelope+jws" });
    const value = JSON.parse(payload);
    expect(canonicalJson(value)).toBe(payload);
    expect(value).toMatchObject({
      id: sent.body.envelopeId,
      type: "notice.sent",
      version: 1,
      from: "IN",
      to: "CA",
      body: { text: "interop check" },
    });

    const canadaSig = createPublicKey({ key: nodes.canada.deps.keys.signing.publicJwk as never, format: "jwk" });
    const receipt = verifyWithNodeCrypto(stored.receipt as string, canadaSig);
    expect(receipt.header.typ).toBe("liaison-receipt+jws");
    expect(JSON.parse(receipt.payload)).toMatchObject({
      envelopeId: sent.body.envelopeId,
      digest: envelopeDigest(stored.jwe),
    });
  });

  it("accepts an envelope signed and encrypted with node:crypto only", async () => {
    const craft = envelopeFactory(nodes.india, nodes.canada);
    const payload = craft.payload();
    const protectedB64 = Buffer.from(
      JSON.stringify({ alg: "EdDSA", kid: nodes.india.deps.keys.signing.kid, typ: "liaison-envelope+jws" }),
    ).toString("base64url");
    const payloadB64 = Buffer.from(canonicalJson(payload)).toString("base64url");
    const indiaSigner = createPrivateKey({ key: nodes.india.deps.keys.signing.privateJwk as never, format: "jwk" });
    const signature = sign(null, Buffer.from(`${protectedB64}.${payloadB64}`), indiaSigner).toString("base64url");
    const jwe = encryptWithNodeCrypto(
      `${protectedB64}.${payloadB64}.${signature}`,
      nodes.canada.deps.keys.encryption.publicJwk,
    );
    const response = await postBatch(nodes.canada, { envelopes: [jwe] });
    expect(response.body.results[0]).toMatchObject({ envelopeId: payload.id });
    expect(response.body.results[0]?.receipt).toBeDefined();
    const notice = await nodes.canada.deps.database.db
      .selectFrom("notices")
      .select("text")
      .where("envelope_id", "=", payload.id)
      .executeTakeFirst();
    expect(notice?.text).toBe(payload.body.text);
  });
});
