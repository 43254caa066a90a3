/**
 * RFC 9162 (Certificate Transparency 2.0) inclusion-proof check, done in the browser with Web Crypto so the
 * reader need not trust the node that served the proof: leaf hash = SHA-256(0x00 || leaf), node hash =
 * SHA-256(0x01 || left || right); the recomputed root must equal the root of the signed tree head.
 */
async function sha256(parts: Uint8Array[]): Promise<Uint8Array> {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

export function leafHash(leaf: Uint8Array): Promise<Uint8Array> {
  return sha256([Uint8Array.of(0x00), leaf]);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256([Uint8Array.of(0x01), left, right]);
}

/** RFC 9162 section 2.1.3.2: recompute the root from a leaf's hash and its audit path. */
export async function rootFromInclusionProof(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  path: Uint8Array[],
): Promise<Uint8Array> {
  if (index < 0 || index >= treeSize) throw new Error(`leaf index ${index} is outside a tree of size ${treeSize}`);
  let fn = index;
  let sn = treeSize - 1;
  let r = await leafHash(leaf);
  for (const p of path) {
    if (sn === 0) throw new Error("the proof is longer than the tree allows");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("the proof is shorter than the tree needs");
  return r;
}

export async function verifyInclusion(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  path: Uint8Array[],
  expectedRoot: Uint8Array,
): Promise<boolean> {
  const root = await rootFromInclusionProof(index, treeSize, leaf, path);
  return equalBytes(root, expectedRoot);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Base64 or base64url (padded or not), or hex for 64-character hash strings. */
export function decodeBytes(text: string): Uint8Array {
  if (/^[0-9a-f]{64}$/i.test(text)) {
    return Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  }
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The JSON payload of a compact JWS, unverified (the signature is the node's; the proof check is ours). */
export function jwsPayload<T>(jws: string): T {
  const part = jws.split(".")[1];
  if (!part) throw new Error("not a compact JWS");
  return JSON.parse(new TextDecoder().decode(decodeBytes(part))) as T;
}
