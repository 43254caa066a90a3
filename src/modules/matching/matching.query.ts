import { createHash } from "node:crypto";
import sodium from "sodium-native";
import { badRequest, LiaisonError } from "../../core/errors.ts";
import { BlindingSecret, edwardsToMontgomery, hashToEdwards, hashToGroup, TAG_BYTES } from "./matching.group.ts";
import type { IdentifierType } from "./matching.normalise.ts";

/**
 * Single queries ("is this one identifier on any of your queryable lists?") by an oblivious PRF: the 2HashDH
 * construction that RFC 9497 standardises, F_k(x) = H2(x, k·H1(x)), over the same Curve25519 group and hash as
 * the bulk runs. Not an RFC 9497 suite (it has none for Curve25519): RFC 9497's ristretto255 in @noble/curves costs
 * ~1.6 ms per evaluation here, so tabulating a 1,000,000-item list would take ~27 minutes against ~75 s this way.
 *
 * - The answering side keeps one long-lived key k per queryable list and gives the asking side the table of
 *   F_k(y) for its values (16-byte tags, shuffled): pseudorandom without k, so the asker can test nothing offline.
 * - To ask, the asker sends r·H1(x) for a fresh random scalar r (uniform in the group: says nothing about x);
 *   the answerer returns k·r·H1(x), counting it against the caps; the asker removes r and looks F_k(x) up.
 * - The answerer learns neither x nor the result. The asker reports the result (and, on a hit, the tag, from which
 *   the answerer finds its own value): a hit discloses the value, a miss nothing but that a query was made.
 *
 * Edwards arithmetic (libsodium `crypto_scalarmult_ed25519_noclamp`) is used for the query itself because r must
 * be inverted; it also refuses non-canonical, small-order and off-subgroup points. The table uses X25519 with the
 * same key, clamped: both give the u-coordinate of clamp(k)·H1(y).
 */

const TAG_DST = Buffer.from("LIAISON-QUERY-V01-Finalize", "utf8");
const encoder = new TextEncoder();
const hashInput = (type: IdentifierType, value: string) => encoder.encode(`${type}\u0000${value}`);

/** H2 of 2HashDH, RFC 9497 Finalize-style: the input, the unblinded element, a domain tag. */
function finalTag(input: Uint8Array, u: Uint8Array): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(input.length);
  return createHash("sha512").update(len).update(input).update(u).update(TAG_DST).digest().subarray(0, TAG_BYTES);
}

/** The answering side's key for one queryable list. Held until the list is withdrawn or its key rotated. */
export class QueryKey {
  readonly #secret: BlindingSecret;
  /** The same key as an Edwards scalar: clamp(k) reduced mod the group order. */
  #scalar: Buffer | undefined;

  private constructor(secret: BlindingSecret, scalar: Buffer) {
    this.#secret = secret;
    this.#scalar = scalar;
  }

  static fresh(): QueryKey {
    const raw = Buffer.alloc(32);
    sodium.randombytes_buf(raw);
    const clamped = Buffer.from(raw);
    clamped[0] = (clamped[0] as number) & 248;
    clamped[31] = ((clamped[31] as number) & 127) | 64;
    const wide = Buffer.alloc(64);
    clamped.copy(wide);
    const scalar = Buffer.alloc(32);
    sodium.crypto_core_ed25519_scalar_reduce(scalar, wide);
    sodium.sodium_memzero(clamped);
    sodium.sodium_memzero(wide);
    const secret = BlindingSecret.fromBytes(raw);
    sodium.sodium_memzero(raw);
    return new QueryKey(secret, scalar);
  }

  /** The table the asking side holds: F_k(y) for every value, shuffled by sorting (tags are pseudorandom). */
  table(type: IdentifierType, values: readonly string[], batch = 50_000): Buffer {
    const tags: Buffer[] = [];
    for (let from = 0; from < values.length; from += batch) {
      const inputs = values.slice(from, from + batch).map((v) => hashInput(type, v));
      const blinded = this.#secret.blind(hashToGroup(inputs));
      inputs.forEach((input, i) => {
        tags.push(finalTag(input, blinded.subarray(i * 32, i * 32 + 32)));
      });
    }
    tags.sort(Buffer.compare);
    return Buffer.concat(tags);
  }

  /** Answer one blinded query: k·R. Refuses anything that is not a canonical point of the prime-order subgroup. */
  evaluate(blinded: Uint8Array): Buffer {
    const scalar = this.#scalar;
    if (!scalar) throw new LiaisonError("LIAISON_MATCHING_SECRET_ERASED", 500, "this list's query key is erased");
    if (blinded.length !== 32) throw badRequest("LIAISON_MATCHING_POINT_INVALID", "a blinded query is 32 bytes");
    const out = Buffer.alloc(32);
    try {
      sodium.crypto_scalarmult_ed25519_noclamp(out, scalar, blinded);
    } catch {
      throw badRequest("LIAISON_MATCHING_POINT_INVALID", "the blinded query is not a valid point of the group");
    }
    return out;
  }

  erase(): void {
    this.#secret.erase();
    if (this.#scalar) sodium.sodium_memzero(this.#scalar);
    this.#scalar = undefined;
  }
}

/** The asking side of one query: blind, then finish with the answer. The blind is erased when finished. */
export class BlindedQuery {
  readonly blinded: Buffer;
  readonly #input: Uint8Array;
  #r: Buffer | undefined;

  constructor(type: IdentifierType, canonical: string) {
    this.#input = hashInput(type, canonical);
    const r = Buffer.alloc(32);
    sodium.crypto_core_ed25519_scalar_random(r);
    this.#r = r;
    this.blinded = Buffer.alloc(32);
    sodium.crypto_scalarmult_ed25519_noclamp(this.blinded, r, hashToEdwards(this.#input));
  }

  /** F_k(x) from the answer k·r·H1(x). */
  finish(evaluated: Uint8Array): Buffer {
    const r = this.#r;
    if (!r) throw new LiaisonError("LIAISON_MATCHING_SECRET_ERASED", 500, "this query is already finished");
    const inverse = Buffer.alloc(32);
    sodium.crypto_core_ed25519_scalar_invert(inverse, r);
    const unblinded = Buffer.alloc(32);
    try {
      sodium.crypto_scalarmult_ed25519_noclamp(unblinded, inverse, evaluated);
    } catch {
      throw badRequest("LIAISON_MATCHING_POINT_INVALID", "the answer is not a valid point of the group");
    } finally {
      sodium.sodium_memzero(inverse);
      sodium.sodium_memzero(r);
      this.#r = undefined;
    }
    return finalTag(this.#input, edwardsToMontgomery(unblinded));
  }
}

/** The asking side's copy of one queryable list's table: membership of a tag, nothing else. */
export class QueryTable {
  readonly #tags = new Set<string>();

  constructor(tags: Buffer) {
    if (tags.length % TAG_BYTES !== 0) throw badRequest("LIAISON_MATCHING_CHUNK_INVALID", "a table of whole tags");
    for (let i = 0; i < tags.length; i += TAG_BYTES) this.#tags.add(tags.toString("latin1", i, i + TAG_BYTES));
  }

  get size(): number {
    return this.#tags.size;
  }

  has(tag: Buffer): boolean {
    return this.#tags.has(tag.toString("latin1"));
  }
}

export interface QueryCaps {
  /** Queries one officer may ask in one UTC day. */
  perOfficerPerDay: number;
  /** Queries the whole asking party may ask in one UTC day (enforced by the answering side too). */
  perPartyPerDay: number;
}

/**
 * Per-day counters for the caps, on either side. Low-entropy identifiers (phones) invite probing: the caps bound
 * how many guesses an asker gets, and every query is audited on both sides. Counts are per UTC day.
 */
export class QueryBudget {
  readonly #counts = new Map<string, number>();
  #day = "";

  constructor(private readonly caps: QueryCaps) {}

  /** Count one query, or throw LIAISON_MATCHING_QUERY_LIMIT without counting it. */
  take(party: string, officer: string, at: Date): void {
    const day = at.toISOString().slice(0, 10);
    if (day !== this.#day) {
      this.#counts.clear();
      this.#day = day;
    }
    const officerKey = `o:${party}:${officer}`;
    const partyKey = `p:${party}`;
    const byOfficer = this.#counts.get(officerKey) ?? 0;
    const byParty = this.#counts.get(partyKey) ?? 0;
    if (byOfficer >= this.caps.perOfficerPerDay)
      throw new LiaisonError(
        "LIAISON_MATCHING_QUERY_LIMIT",
        429,
        `this officer's ${this.caps.perOfficerPerDay} queries for today are used`,
      );
    if (byParty >= this.caps.perPartyPerDay)
      throw new LiaisonError(
        "LIAISON_MATCHING_QUERY_LIMIT",
        429,
        `the party's ${this.caps.perPartyPerDay} queries for today are used`,
      );
    this.#counts.set(officerKey, byOfficer + 1);
    this.#counts.set(partyKey, byParty + 1);
  }
}
