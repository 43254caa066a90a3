import { CompactSign, compactVerify, decodeProtectedHeader, type KeyLike } from "jose";
import type { z } from "zod";
import { canonicalJson } from "../../core/canonical-json.ts";
import { LiaisonError } from "../../core/errors.ts";
import type { Hash } from "../../core/merkle.ts";
import type { NodeKey } from "../keys/keys.service.ts";
import type { CountersignaturePayload, TreeHeadPayload } from "./audit.schema.ts";

/**
 * Signed tree heads and countersignatures are compact JWS (EdDSA over RFC 8785 canonical JSON). Their `typ`
 * keeps them apart from envelopes, receipts and each other (RFC 8725 3.11): a witness's countersignature can
 * never pass for the origin's own head.
 */
export const TREE_HEAD_TYP = "liaison-tree-head+jws";
export const COUNTERSIGNATURE_TYP = "liaison-tree-head-witness+jws";

export const auditError = (code: string, message: string, status = 400) =>
  new LiaisonError(`LIAISON_AUDIT_${code}`, status, message);

// A view of the same bytes, not a copy (proofs encode a few dozen hashes each).
export const toBase64 = (hash: Hash) => Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString("base64");
export const fromBase64 = (text: string): Hash => Buffer.from(text, "base64");

async function sign(payload: unknown, typ: string, key: NodeKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(payload)))
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ })
    .sign(key.privateKey);
}

export const signTreeHead = (head: TreeHeadPayload, key: NodeKey) => sign(head, TREE_HEAD_TYP, key);
export const signCountersignature = (payload: CountersignaturePayload, key: NodeKey) =>
  sign(payload, COUNTERSIGNATURE_TYP, key);

/** Verify a head or countersignature against the signer's known keys (kid lookup) and parse its payload. */
export async function verifySigned<S extends z.ZodType>(
  jws: string,
  typ: string,
  keys: ReadonlyMap<string, KeyLike>,
  schema: S,
): Promise<z.infer<S>> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw auditError("SIGNATURE_INVALID", "the signed tree head is not a compact JWS");
  }
  if (header.alg !== "EdDSA" || header.typ !== typ || typeof header.kid !== "string") {
    throw auditError("SIGNATURE_INVALID", `expected an EdDSA JWS of typ ${typ} with a kid`);
  }
  const key = keys.get(header.kid);
  if (!key) throw auditError("SIGNATURE_INVALID", `the JWS is signed by unknown key ${header.kid}`);
  let text: string;
  try {
    text = new TextDecoder().decode((await compactVerify(jws, key, { algorithms: ["EdDSA"] })).payload);
  } catch {
    throw auditError("SIGNATURE_INVALID", `the ${typ} signature does not verify with key ${header.kid}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw auditError("SIGNATURE_INVALID", "the signed payload is not JSON");
  }
  if (canonicalJson(value) !== text) throw auditError("SIGNATURE_INVALID", "the signed payload is not canonical JSON");
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw auditError("SIGNATURE_INVALID", `the signed payload is not a valid ${typ}`);
  return parsed.data;
}

/** The payload of a JWS without checking it (to show, never to trust). */
export function unverifiedPayload(jws: string): unknown {
  return JSON.parse(Buffer.from(jws.split(".")[1] ?? "", "base64url").toString("utf8"));
}
