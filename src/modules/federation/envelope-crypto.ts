import type { KeyLike } from "jose";
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, decodeProtectedHeader } from "jose";
import { canonicalJson } from "../../core/canonical-json.ts";
import { EnvelopePayload, ReceiptPayload } from "../../core/envelope.ts";
import { LiaisonError } from "../../core/errors.ts";
import type { NodeKey } from "../keys/keys.service.ts";

/**
 * Standard JOSE, nothing home-made: an envelope is a compact JWS (EdDSA over the RFC 8785 canonical payload)
 * carried as the plaintext of a compact JWE (ECDH-ES+A256KW, A256GCM) to the recipient's X25519 key.
 * `typ` separates envelopes from receipts so one can never be replayed as the other (RFC 8725 3.11).
 */
export const ENVELOPE_TYP = "liaison-envelope+jws";
export const RECEIPT_TYP = "liaison-receipt+jws";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RecipientKey {
  kid: string;
  key: KeyLike;
}

export const federationError = (code: string, message: string, status = 400) =>
  new LiaisonError(`LIAISON_FEDERATION_${code}`, status, message);

export async function signEnvelope(payload: EnvelopePayload, signer: NodeKey): Promise<string> {
  return new CompactSign(encoder.encode(canonicalJson(payload)))
    .setProtectedHeader({ alg: "EdDSA", kid: signer.kid, typ: ENVELOPE_TYP })
    .sign(signer.privateKey);
}

export async function encryptEnvelope(jws: string, recipient: RecipientKey): Promise<string> {
  return new CompactEncrypt(encoder.encode(jws))
    .setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: recipient.kid, cty: "JWS" })
    .encrypt(recipient.key);
}

export async function sealEnvelope(
  payload: EnvelopePayload,
  signer: NodeKey,
  recipient: RecipientKey,
): Promise<string> {
  return encryptEnvelope(await signEnvelope(payload, signer), recipient);
}

/** Read the JWE header without decrypting: which of our keys it is for. */
export function readJweHeader(jwe: string): { kid: string } {
  if (typeof jwe !== "string" || jwe.split(".").length !== 5) {
    throw federationError("ENVELOPE_MALFORMED", "an envelope must be a compact JWE of five base64url parts");
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwe);
  } catch {
    throw federationError("ENVELOPE_MALFORMED", "the JWE protected header is not valid base64url JSON");
  }
  if (header.alg !== "ECDH-ES+A256KW" || header.enc !== "A256GCM") {
    throw federationError("ENVELOPE_ALGORITHM", "only ECDH-ES+A256KW with A256GCM is accepted");
  }
  if (typeof header.kid !== "string") throw federationError("ENVELOPE_MALFORMED", "the JWE header has no kid");
  return { kid: header.kid };
}

export async function decryptEnvelope(jwe: string, key: NodeKey): Promise<string> {
  try {
    const { plaintext } = await compactDecrypt(jwe, key.privateKey, {
      keyManagementAlgorithms: ["ECDH-ES+A256KW"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    return decoder.decode(plaintext);
  } catch {
    throw federationError(
      "ENVELOPE_DECRYPT_FAILED",
      "the envelope could not be decrypted: tampered or not for this key",
    );
  }
}

export function readJwsHeader(jws: string, typ: string): { kid: string } {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw federationError("SIGNATURE_MALFORMED", "the inner JWS is malformed");
  }
  if (header.alg !== "EdDSA" || typeof header.kid !== "string" || header.typ !== typ) {
    throw federationError("SIGNATURE_MALFORMED", `the inner JWS must be EdDSA with a kid and typ ${typ}`);
  }
  return { kid: header.kid };
}

/** Verify a JWS with a known public key and return its parsed, canonical payload. */
export async function verifyJws(jws: string, key: KeyLike): Promise<{ text: string; value: unknown }> {
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, key, { algorithms: ["EdDSA"] }));
  } catch {
    throw federationError("SIGNATURE_INVALID", "the signature does not verify with the pinned key");
  }
  const text = decoder.decode(payload);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw federationError("PAYLOAD_INVALID", "the signed payload is not JSON");
  }
  if (canonicalJson(value) !== text) {
    throw federationError("PAYLOAD_NOT_CANONICAL", "the signed payload is not RFC 8785 canonical JSON");
  }
  return { text, value };
}

export function parseEnvelopePayload(value: unknown): EnvelopePayload {
  const parsed = EnvelopePayload.safeParse(value);
  if (!parsed.success) {
    throw federationError("PAYLOAD_INVALID", `the envelope payload is invalid: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

export async function signReceipt(receipt: ReceiptPayload, signer: NodeKey): Promise<string> {
  return new CompactSign(encoder.encode(canonicalJson(receipt)))
    .setProtectedHeader({ alg: "EdDSA", kid: signer.kid, typ: RECEIPT_TYP })
    .sign(signer.privateKey);
}

export async function verifyReceipt(jws: string, key: KeyLike): Promise<ReceiptPayload> {
  const { value } = await verifyJws(jws, key);
  const parsed = ReceiptPayload.safeParse(value);
  if (!parsed.success) throw federationError("RECEIPT_INVALID", "the receipt payload is invalid");
  return parsed.data;
}
