import { createHash } from "node:crypto";
import { FpInvertBatch } from "@noble/curves/abstract/modular.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import sodium from "sodium-native";
import { badRequest, LiaisonError } from "../../core/errors.ts";

/**
 * The group of the bulk PSI: Curve25519 in u-only (X25519) form. Chosen on figures measured on this machine
 * (docs/matching.md, "Why this group"): a variable-base X25519 multiplication in libsodium costs ~40 µs of CPU,
 * against ~50 µs in node:crypto (plus ~10 µs to build a KeyObject per point) and ~1,300 µs for ristretto255 in
 * @noble/curves (JavaScript). Hashing to the group is RFC 9380 `curve25519_XMD:SHA-512_ELL2_NU_`: hash_to_field
 * here with node:crypto's SHA-512, the Elligator 2 map and cofactor clearing in libsodium
 * (`crypto_core_ed25519_from_uniform`, ~25 µs), then the birational map to the Montgomery u-coordinate with
 * @noble/curves' field (one batched inversion per batch). No curve or field arithmetic is written here.
 *
 * Why X25519 arithmetic is safe for PSI: libsodium clamps every scalar to 8·k', so any torsion component a peer
 * adds to a point is killed, and it refuses low-order inputs and the all-zero output. Commutativity holds:
 * X25519(a, X25519(b, P)) = [clamp(a)·clamp(b)]P = X25519(b, X25519(a, P)) (test/matching/group.test.ts).
 */

export const ELEMENT_BYTES = 32;
/** Doubly blinded values are pseudorandom: 16 bytes keep collisions below 2^-88 at 10^6 x 10^6. */
export const TAG_BYTES = 16;
export const PSI_SUITE = "curve25519_XMD:SHA-512_ELL2_NU_+X25519";
/** RFC 9380 §3.1 domain separation tag, in the RFC's naming convention. */
export const PSI_DST = "LIAISON-PSI-V01-CS01-with-curve25519_XMD:SHA-512_ELL2_NU_";

const Fp = ed25519.Point.Fp;
const P = Fp.ORDER;
const MASK64 = (1n << 64n) - 1n;

/** RFC 9380 §5.3.1 expand_message_xmd with SHA-512 (b_in_bytes 64, s_in_bytes 128). */
export function expandMessageXmd(msg: Uint8Array, dst: string, lenInBytes: number): Buffer {
  const dstBytes = Buffer.from(dst, "utf8");
  if (dstBytes.length > 255) throw new Error("DST longer than 255 bytes");
  const ell = Math.ceil(lenInBytes / 64);
  if (ell > 255 || lenInBytes > 65535) throw new Error("expand_message_xmd: output too long");
  const dstPrime = Buffer.concat([dstBytes, Buffer.from([dstBytes.length])]);
  const libStr = Buffer.from([lenInBytes >> 8, lenInBytes & 0xff]);
  const b0 = createHash("sha512")
    .update(Buffer.alloc(128))
    .update(msg)
    .update(libStr)
    .update(Buffer.from([0]));
  const b0d = b0.update(dstPrime).digest();
  const out: Buffer[] = [];
  let prev = createHash("sha512")
    .update(b0d)
    .update(Buffer.from([1]))
    .update(dstPrime)
    .digest();
  out.push(prev);
  for (let i = 2; i <= ell; i++) {
    const x = Buffer.alloc(64);
    for (let j = 0; j < 64; j++) x[j] = (b0d[j] as number) ^ (prev[j] as number);
    prev = createHash("sha512")
      .update(x)
      .update(Buffer.from([i]))
      .update(dstPrime)
      .digest();
    out.push(prev);
  }
  return Buffer.concat(out).subarray(0, lenInBytes);
}

/** RFC 9380 §5.2 hash_to_field for GF(2^255-19), count 1, L = 48: the big-endian 48 bytes mod p. */
export function hashToField(msg: Uint8Array, dst: string): bigint {
  return BigInt(`0x${expandMessageXmd(msg, dst, 48).toString("hex")}`) % P;
}

function writeLe32(out: Uint8Array, offset: number, value: bigint) {
  const view = Buffer.from(out.buffer, out.byteOffset + offset, 32);
  for (let i = 0; i < 4; i++) view.writeBigUInt64LE((value >> BigInt(64 * i)) & MASK64, i * 8);
}
function readLe32(buf: Buffer, offset: number): bigint {
  let v = 0n;
  for (let i = 3; i >= 0; i--) v = (v << 64n) | buf.readBigUInt64LE(offset + i * 8);
  return v;
}

/**
 * Hash one message to the prime-order subgroup as a compressed Edwards point (libsodium's encoding): RFC 9380
 * hash_to_field, then Elligator 2 and cofactor clearing in libsodium. The single-query protocol blinds this form,
 * because it needs scalars it can invert (X25519 clamps them).
 */
export function hashToEdwards(message: Uint8Array, dst: string = PSI_DST, out: Buffer = Buffer.alloc(32)): Buffer {
  const r = Buffer.alloc(32);
  writeLe32(r, 0, hashToField(message, dst));
  // The top bit of r (x's sign) is 0; u-only arithmetic ignores the sign anyway.
  sodium.crypto_core_ed25519_from_uniform(out, r);
  return out;
}

/** RFC 7748 §4.1 birational map u = (1 + y) / (1 - y) for n compressed Edwards points, one batched inversion. */
export function edwardsToMontgomery(points: Buffer): Buffer {
  const n = points.length / 32;
  const out = Buffer.alloc(n * ELEMENT_BYTES);
  const nums: bigint[] = new Array(n);
  const dens: bigint[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const y = readLe32(points, i * 32) & ((1n << 255n) - 1n);
    // y = 1 is the identity, which a hash reaches with probability ~2^-250.
    if (y === 1n) throw new LiaisonError("LIAISON_MATCHING_HASH_IDENTITY", 500, "an identifier hashed to the identity");
    nums[i] = Fp.add(Fp.ONE, y);
    dens[i] = Fp.sub(Fp.ONE, y);
  }
  const inverses = FpInvertBatch(Fp, dens);
  for (let i = 0; i < n; i++) writeLe32(out, i * ELEMENT_BYTES, Fp.mul(nums[i] as bigint, inverses[i] as bigint));
  return out;
}

/**
 * Hash each message to the prime-order subgroup and return the u-coordinates, 32 bytes each (RFC 7748 encoding).
 * Equal to the u-coordinate of RFC 9380 `curve25519_XMD:SHA-512_ELL2_NU_` (checked against @noble/curves).
 */
export function hashToGroup(messages: readonly Uint8Array[], dst: string = PSI_DST): Buffer {
  const edwards = Buffer.alloc(messages.length * 32);
  messages.forEach((m, i) => {
    hashToEdwards(m, dst, edwards.subarray(i * 32, i * 32 + 32));
  });
  return edwardsToMontgomery(edwards);
}

/** p = 2^255 - 19, little-endian: an encoding is canonical when it is below p (so its top bit is also clear). */
const P_LE = Buffer.alloc(32);
writeLe32(P_LE, 0, P);
function isCanonical(buf: Buffer, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = buf[offset + i] as number;
    const b = P_LE[i] as number;
    if (a !== b) return a < b;
  }
  return false; // equal to p
}

/** Refuse a peer's elements that are not n canonical 32-byte u-coordinates (before any is multiplied). */
export function assertElements(elements: Buffer, expected?: number): number {
  if (elements.length % ELEMENT_BYTES !== 0)
    throw badRequest("LIAISON_MATCHING_POINT_INVALID", "elements are not a whole number of 32-byte points");
  const n = elements.length / ELEMENT_BYTES;
  if (expected !== undefined && n !== expected)
    throw badRequest("LIAISON_MATCHING_POINT_INVALID", `expected ${expected} elements, received ${n}`);
  for (let i = 0; i < n; i++)
    if (!isCanonical(elements, i * ELEMENT_BYTES))
      throw badRequest("LIAISON_MATCHING_POINT_INVALID", `element ${i} is not a canonical u-coordinate`, { index: i });
  return n;
}

/**
 * One blinding secret: 32 random bytes, for one run only. It multiplies whole batches and is erased (zeroed)
 * when the run ends or fails; once erased it refuses to be used, so a secret cannot outlive its run by mistake.
 */
export class BlindingSecret {
  #key: Buffer | undefined;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  static fresh(): BlindingSecret {
    const key = Buffer.alloc(32);
    sodium.randombytes_buf(key);
    return new BlindingSecret(key);
  }

  /** A secret from bytes the caller erases (a list's long-lived query key is built this way). */
  static fromBytes(bytes: Uint8Array): BlindingSecret {
    if (bytes.length !== 32) throw new Error("a blinding secret is 32 bytes");
    return new BlindingSecret(Buffer.from(bytes));
  }

  get erased(): boolean {
    return this.#key === undefined;
  }

  /**
   * Multiply each 32-byte element by the secret. `tagBytes` keeps only the first bytes of each result (for
   * doubly blinded values, which are only compared). A low-order element or an all-zero result is refused.
   */
  blind(elements: Buffer, tagBytes: number = ELEMENT_BYTES): Buffer {
    const key = this.#key;
    if (!key) throw new LiaisonError("LIAISON_MATCHING_SECRET_ERASED", 500, "this run's blinding secret is erased");
    const n = assertElements(elements);
    const out = Buffer.alloc(n * tagBytes);
    const q = Buffer.alloc(ELEMENT_BYTES);
    for (let i = 0; i < n; i++) {
      const point = elements.subarray(i * ELEMENT_BYTES, (i + 1) * ELEMENT_BYTES);
      try {
        sodium.crypto_scalarmult(q, key, point);
      } catch {
        throw badRequest("LIAISON_MATCHING_POINT_LOW_ORDER", `element ${i} is a low-order point`, { index: i });
      }
      q.copy(out, i * tagBytes, 0, tagBytes);
    }
    sodium.sodium_memzero(q);
    return out;
  }

  erase(): void {
    if (this.#key) sodium.sodium_memzero(this.#key);
    this.#key = undefined;
  }
}
