import { randomUUID } from "node:crypto";
import { CompactEncrypt, CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { request } from "undici";
import { canonicalJson } from "../../src/core/canonical-json.ts";
import type { EnvelopePayload } from "../../src/core/envelope.ts";
import { uuidv7 } from "../../src/core/ids.ts";
import { ENVELOPE_TYP, sealEnvelope } from "../../src/modules/federation/envelope-crypto.ts";
import type { NodeKey } from "../../src/modules/keys/keys.service.ts";
import type { TestNode } from "../support/nodes.ts";

/** Hand-made envelopes from `from` to `to`, for tests that need bad ones as well as good ones. */
export function envelopeFactory(from: TestNode, to: TestNode) {
  const recipient = () => ({ kid: to.deps.keys.encryption.kid, key: to.deps.keys.encryption.publicKey });
  const payload = (overrides: Partial<EnvelopePayload> = {}): EnvelopePayload => {
    const at = from.deps.clock.now();
    return {
      id: uuidv7(at.getTime()),
      type: "notice.sent",
      version: 1,
      from: from.deps.config.party,
      to: to.deps.config.party,
      createdAt: at.toISOString(),
      body: { noticeId: randomUUID(), text: `test notice ${randomUUID()}`, sentBy: "test" },
      ...overrides,
    };
  };
  return {
    payload,
    seal: (p: EnvelopePayload = payload(), signer: NodeKey = from.deps.keys.signing) =>
      sealEnvelope(p, signer, recipient()),
    /** Signed by a fresh Ed25519 key that claims the given kid (by default the sender's real one). */
    async sealWithForeignSigner(p: EnvelopePayload, kid?: string) {
      const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
      const jwk = await exportJWK(privateKey);
      const jws = await new CompactSign(new TextEncoder().encode(canonicalJson(p)))
        .setProtectedHeader({
          alg: "EdDSA",
          kid: kid ?? (await calculateJwkThumbprint(jwk)),
          typ: ENVELOPE_TYP,
        })
        .sign(privateKey);
      return new CompactEncrypt(new TextEncoder().encode(jws))
        .setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: recipient().kid, cty: "JWS" })
        .encrypt(recipient().key);
    },
    /** Encrypted to an X25519 key the recipient does not hold. */
    async sealToUnknownKey(p: EnvelopePayload = payload()) {
      const { publicKey } = await generateKeyPair("ECDH-ES+A256KW", { crv: "X25519" });
      const jws = await new CompactSign(new TextEncoder().encode(canonicalJson(p)))
        .setProtectedHeader({ alg: "EdDSA", kid: from.deps.keys.signing.kid, typ: ENVELOPE_TYP })
        .sign(from.deps.keys.signing.privateKey);
      return new CompactEncrypt(new TextEncoder().encode(jws))
        .setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: "no-such-key", cty: "JWS" })
        .encrypt(publicKey);
    },
  };
}

/** Flip one character of the ciphertext part: the GCM tag must catch it. */
export function tamperCiphertext(jwe: string): string {
  const parts = jwe.split(".");
  const ciphertext = parts[3] as string;
  const flipped = ciphertext[0] === "A" ? "B" : "A";
  parts[3] = flipped + ciphertext.slice(1);
  return parts.join(".");
}

export type BatchResult = { envelopeId?: string; receipt?: string; error?: { code: string; retryable: boolean } };

/** POST over real HTTP, as a peer would. */
export async function postBatch(node: TestNode, body: unknown, raw = false) {
  const response = await request(new URL("/federation/v1/envelopes", node.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    contentType: String(response.headers["content-type"] ?? ""),
    body: JSON.parse(text) as { results: BatchResult[]; code?: string },
  };
}

/** What a rejected envelope must not leave behind. */
export async function storedCounts(node: TestNode) {
  const db = node.deps.database.db;
  // Only notices: other modules (audit tree heads) exchange envelopes of their own meanwhile.
  const inbox = await db
    .selectFrom("inbox")
    .where("type", "=", "notice.sent")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirst();
  const notices = await db
    .selectFrom("notices")
    .where("direction", "=", "inbound")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirst();
  return { inbox: Number(inbox?.n ?? 0), notices: Number(notices?.n ?? 0) };
}
