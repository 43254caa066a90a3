import { expand_message_xmd } from "@noble/curves/abstract/hash-to-curve.js";
import { ed25519, ed25519_hasher } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { isLiaisonError } from "../../src/core/errors.ts";
import {
  BlindingSecret,
  ELEMENT_BYTES,
  expandMessageXmd,
  hashToGroup,
  PSI_DST,
} from "../../src/modules/matching/matching.group.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const Fp = ed25519.Point.Fp;
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return isLiaisonError(error) ? error.code : String(error);
  }
  return "no error";
};
const le = (u: bigint) => {
  const b = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) b[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return b;
};

describe("matching group (X25519 u-only, RFC 9380 hash)", () => {
  it("expand_message_xmd agrees with @noble/curves for short, long and empty inputs", () => {
    for (const [msg, len] of [
      ["", 48],
      ["abc", 48],
      ["q128_".padEnd(133, "q"), 32],
      ["a512_".padEnd(517, "a"), 200],
    ] as const) {
      const ours = expandMessageXmd(enc(msg), PSI_DST, len);
      // the top-level @noble/hashes may be another major than the one @noble/curves uses; SHA-512 is SHA-512
      const noble = expand_message_xmd(enc(msg), enc(PSI_DST), len, sha512 as Parameters<typeof expand_message_xmd>[3]);
      expect(ours.toString("hex")).toBe(Buffer.from(noble).toString("hex"));
    }
  });

  it("hashToGroup is the u-coordinate of RFC 9380 curve25519_XMD:SHA-512_ELL2_NU_ (noble's encodeToCurve)", () => {
    const messages = Array.from({ length: 64 }, (_, i) => enc(`phone\u0000+9198123${String(i).padStart(5, "0")}`));
    const ours = hashToGroup(messages);
    messages.forEach((m, i) => {
      const { y } = ed25519_hasher.encodeToCurve(m, { DST: PSI_DST }).toAffine();
      const u = Fp.div(Fp.add(Fp.ONE, y), Fp.sub(Fp.ONE, y));
      expect(ours.subarray(i * 32, i * 32 + 32).toString("hex")).toBe(le(u).toString("hex"));
    });
  });

  it("blinding commutes: X(a, X(b, H(x))) == X(b, X(a, H(x)))", () => {
    const points = hashToGroup(Array.from({ length: 50 }, (_, i) => enc(`email\u0000c${i}@example.com`)));
    const a = BlindingSecret.fresh();
    const b = BlindingSecret.fresh();
    expect(a.blind(b.blind(points)).equals(b.blind(a.blind(points)))).toBe(true);
    // and different secrets give unrelated values
    expect(a.blind(points).equals(b.blind(points))).toBe(false);
  });

  it("a truncated tag is the prefix of the full result", () => {
    const points = hashToGroup([enc("x")]);
    const a = BlindingSecret.fresh();
    expect(a.blind(points, 16).equals(a.blind(points).subarray(0, 16))).toBe(true);
  });

  it("refuses low-order points", () => {
    const a = BlindingSecret.fresh();
    // u = 0 (order 4... the point (0,0)), u = 1 (order 4), and an order-8 point (libsodium's blacklist).
    for (const hex of [
      "00".repeat(32),
      `01${"00".repeat(31)}`,
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    ])
      expect(codeOf(() => a.blind(Buffer.from(hex, "hex")))).toBe("LIAISON_MATCHING_POINT_LOW_ORDER");
  });

  it("refuses non-canonical encodings (u >= p, top bit set) and ragged input", () => {
    const a = BlindingSecret.fresh();
    const p = (1n << 255n) - 19n;
    const topBit = hashToGroup([enc("y")]);
    topBit[31] = (topBit[31] as number) | 0x80;
    for (const bad of [le(p), le(p + 1n), topBit, Buffer.alloc(31)])
      expect(codeOf(() => a.blind(bad))).toBe("LIAISON_MATCHING_POINT_INVALID");
  });

  it("fresh secrets differ, and an erased secret is zeroed and refuses to blind", () => {
    const points = hashToGroup([enc("z")]);
    const a = BlindingSecret.fresh();
    expect(a.blind(points).equals(BlindingSecret.fresh().blind(points))).toBe(false);
    a.erase();
    expect(a.erased).toBe(true);
    expect(codeOf(() => a.blind(points))).toBe("LIAISON_MATCHING_SECRET_ERASED");
    expect(points.length).toBe(ELEMENT_BYTES);
  });
});
