import { randomInt } from "node:crypto";
import { z } from "zod";
import { badRequest, conflict, LiaisonError } from "../../core/errors.ts";
import { BlindingSecret, ELEMENT_BYTES, hashToGroup, PSI_SUITE, TAG_BYTES } from "./matching.group.ts";
import type { IdentifierType } from "./matching.normalise.ts";

/**
 * The PSI engine of one party in one run: pure (no I/O, no clock), driven by the messages it is given, so the
 * same code runs in-process (tests, benchmark) and through federation envelopes. Both parties run it the same way
 * (the protocol is symmetric, docs/matching.md):
 *
 *   1. each side hashes its normalised values to the group, blinds them with its fresh secret, shuffles, and sends
 *      them in chunks (`blinded`);
 *   2. for each chunk it receives, it blinds the peer's elements again, keeps the 16-byte tags for itself, and
 *      returns them in the order received (`reblinded`), so the peer can map them back to its own values;
 *   3. when its own tags have come back and it has tagged the whole peer set, it intersects: its values whose
 *      tag is among the peer's tags. Each side thus ends with exactly the intersection in its own values.
 *
 * What each side sees of the other: the set size (announced in every chunk, checked against the cap) and
 * pseudorandom group elements; after step 3, which of the peer's shuffled positions matched, which it could
 * not map to a value. The secret is erased as soon as it is no longer needed (own set blinded and the whole peer
 * set reblinded), and on abort.
 */

export const DEFAULT_CHUNK_ELEMENTS = 50_000;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
export const PsiBlindedMessage = z.object({
  kind: z.literal("blinded"),
  runId: z.string().min(1).max(100),
  suite: z.literal(PSI_SUITE),
  /** The sender's whole set size: the one thing a run discloses besides the intersection. */
  setSize: z.number().int().min(0),
  chunk: z.number().int().min(0),
  chunks: z.number().int().min(1),
  elements: base64,
});
export const PsiReblindedMessage = z.object({
  kind: z.literal("reblinded"),
  runId: z.string().min(1).max(100),
  chunk: z.number().int().min(0),
  tags: base64,
});
export const PsiMessage = z.discriminatedUnion("kind", [PsiBlindedMessage, PsiReblindedMessage]);
export type PsiMessage = z.infer<typeof PsiMessage>;

export interface PsiPartyOptions {
  runId: string;
  type: IdentifierType;
  /** Canonical values (matching.normalise.ts), without duplicates. */
  values: readonly string[];
  /** The agreement's cap on either set's size; a larger set on either side stops the run before anything is sent. */
  maxSetSize: number;
  chunkElements?: number;
}

export interface PsiResult {
  /** This side's own values that the other side also holds. */
  intersection: string[];
  ownSize: number;
  peerSize: number;
}

/** Uniform Fisher-Yates with the CSPRNG: the order a peer receives must say nothing about the list's order. */
function shuffledIndices(n: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return perm;
}

/** Hash messages carry the type, so that equal strings of different types never meet in the group. */
const encoder = new TextEncoder();
const hashInput = (type: IdentifierType, value: string) => encoder.encode(`${type}\u0000${value}`);

export class PsiParty {
  readonly runId: string;
  readonly #type: IdentifierType;
  readonly #values: readonly string[];
  readonly #maxSetSize: number;
  readonly #chunkElements: number;
  readonly #secret = BlindingSecret.fresh();
  /** perm[position sent] = index in #values. */
  #perm: Uint32Array | undefined;
  /** Own tags returned by the peer, by position sent. */
  readonly #ownTags: Buffer;
  readonly #ownChunksBack = new Set<number>();
  #ownChunks = 0;
  /** Tags of the peer's elements, computed here. */
  readonly #peerTags = new Set<string>();
  readonly #peerChunks = new Map<number, number>();
  #peerSize: number | undefined;
  #peerChunkCount: number | undefined;
  #failed: LiaisonError | undefined;

  constructor(options: PsiPartyOptions) {
    this.runId = options.runId;
    this.#type = options.type;
    this.#values = options.values;
    this.#maxSetSize = options.maxSetSize;
    this.#chunkElements = options.chunkElements ?? DEFAULT_CHUNK_ELEMENTS;
    if (options.values.length > options.maxSetSize) {
      this.#secret.erase();
      throw badRequest(
        "LIAISON_MATCHING_SET_TOO_LARGE",
        `this list has ${options.values.length} values, above the cap of ${options.maxSetSize}`,
      );
    }
    this.#ownTags = Buffer.alloc(options.values.length * TAG_BYTES);
  }

  /** Step 1: this side's blinded, shuffled set, in chunks. Called once. */
  start(): PsiMessage[] {
    this.#assertLive();
    if (this.#perm) throw conflict("LIAISON_MATCHING_RUN_STATE", "this run has already sent its set");
    const n = this.#values.length;
    const perm = shuffledIndices(n);
    this.#perm = perm;
    this.#ownChunks = Math.max(1, Math.ceil(n / this.#chunkElements));
    const messages: PsiMessage[] = [];
    for (let c = 0; c < this.#ownChunks; c++) {
      const from = c * this.#chunkElements;
      const to = Math.min(n, from + this.#chunkElements);
      const inputs: Uint8Array[] = [];
      for (let pos = from; pos < to; pos++)
        inputs.push(hashInput(this.#type, this.#values[perm[pos] as number] as string));
      const elements = this.#secret.blind(hashToGroup(inputs));
      messages.push({
        kind: "blinded",
        runId: this.runId,
        suite: PSI_SUITE,
        setSize: n,
        chunk: c,
        chunks: this.#ownChunks,
        elements: elements.toString("base64"),
      });
    }
    this.#eraseIfSpent();
    return messages;
  }

  /** Steps 2 and 3: take one message from the peer; returns what to send back (a `reblinded` chunk, or nothing). */
  receive(message: PsiMessage): PsiMessage[] {
    this.#assertLive();
    if (message.runId !== this.runId)
      throw badRequest("LIAISON_MATCHING_RUN_MISMATCH", "the message belongs to another run");
    try {
      return message.kind === "blinded" ? this.#receiveBlinded(message) : this.#receiveReblinded(message);
    } catch (error) {
      // A peer that sends something invalid ends the run: nothing more is computed or sent for it.
      if (error instanceof LiaisonError) this.abort(error);
      throw error;
    }
  }

  #receiveBlinded(m: z.infer<typeof PsiBlindedMessage>): PsiMessage[] {
    if (m.setSize > this.#maxSetSize)
      throw badRequest(
        "LIAISON_MATCHING_SET_TOO_LARGE",
        `the other side's set has ${m.setSize} values, above the cap of ${this.#maxSetSize}`,
      );
    if (this.#peerSize === undefined) {
      this.#peerSize = m.setSize;
      this.#peerChunkCount = m.chunks;
    } else if (this.#peerSize !== m.setSize || this.#peerChunkCount !== m.chunks) {
      throw badRequest(
        "LIAISON_MATCHING_CHUNK_INVALID",
        "the other side changed its announced set size or chunk count",
      );
    }
    if (m.chunk >= m.chunks) throw badRequest("LIAISON_MATCHING_CHUNK_INVALID", `chunk ${m.chunk} of ${m.chunks}`);
    if (this.#peerChunks.has(m.chunk))
      throw badRequest("LIAISON_MATCHING_CHUNK_INVALID", `chunk ${m.chunk} was received twice`);
    const elements = Buffer.from(m.elements, "base64");
    const count = elements.length / ELEMENT_BYTES;
    const received = [...this.#peerChunks.values()].reduce((a, b) => a + b, 0);
    if (!Number.isInteger(count) || received + count > m.setSize)
      throw badRequest("LIAISON_MATCHING_CHUNK_INVALID", "the chunks hold more elements than the announced set size");
    const tags = this.#secret.blind(elements, TAG_BYTES);
    for (let i = 0; i < count; i++) this.#peerTags.add(tags.toString("latin1", i * TAG_BYTES, (i + 1) * TAG_BYTES));
    this.#peerChunks.set(m.chunk, count);
    if (this.#peerChunks.size === m.chunks && received + count !== m.setSize)
      throw badRequest("LIAISON_MATCHING_CHUNK_INVALID", "the chunks hold fewer elements than the announced set size");
    this.#eraseIfSpent();
    return [{ kind: "reblinded", runId: this.runId, chunk: m.chunk, tags: tags.toString("base64") }];
  }

  #receiveReblinded(m: z.infer<typeof PsiReblindedMessage>): PsiMessage[] {
    if (!this.#perm) throw conflict("LIAISON_MATCHING_RUN_STATE", "tags came back before this side sent its set");
    if (m.chunk >= this.#ownChunks || this.#ownChunksBack.has(m.chunk))
      throw badRequest("LIAISON_MATCHING_CHUNK_INVALID", `reblinded chunk ${m.chunk} is unknown or repeated`);
    const from = m.chunk * this.#chunkElements;
    const to = Math.min(this.#values.length, from + this.#chunkElements);
    const tags = Buffer.from(m.tags, "base64");
    if (tags.length !== (to - from) * TAG_BYTES)
      throw badRequest("LIAISON_MATCHING_CHUNK_INVALID", `reblinded chunk ${m.chunk} does not hold ${to - from} tags`);
    tags.copy(this.#ownTags, from * TAG_BYTES);
    this.#ownChunksBack.add(m.chunk);
    return [];
  }

  get done(): boolean {
    return (
      this.#failed === undefined &&
      this.#perm !== undefined &&
      this.#ownChunksBack.size === this.#ownChunks &&
      this.#peerChunkCount !== undefined &&
      this.#peerChunks.size === this.#peerChunkCount
    );
  }

  /** The intersection, once both halves are complete. */
  result(): PsiResult {
    this.#assertLive();
    if (!this.done || !this.#perm || this.#peerSize === undefined)
      throw conflict("LIAISON_MATCHING_RUN_STATE", "the run is not complete");
    const intersection: string[] = [];
    for (let pos = 0; pos < this.#values.length; pos++) {
      const tag = this.#ownTags.toString("latin1", pos * TAG_BYTES, (pos + 1) * TAG_BYTES);
      if (this.#peerTags.has(tag)) intersection.push(this.#values[this.#perm[pos] as number] as string);
    }
    return { intersection, ownSize: this.#values.length, peerSize: this.#peerSize };
  }

  /** End the run without a result (refused, failed, timed out): the secret is erased, nothing more is computed. */
  abort(reason?: LiaisonError): void {
    this.#failed = reason ?? new LiaisonError("LIAISON_MATCHING_RUN_ABORTED", 409, "the run was aborted");
    this.#secret.erase();
  }

  get secretErased(): boolean {
    return this.#secret.erased;
  }

  #assertLive() {
    if (this.#failed) throw this.#failed;
  }

  #eraseIfSpent() {
    if (this.#perm && this.#peerChunkCount !== undefined && this.#peerChunks.size === this.#peerChunkCount)
      this.#secret.erase();
  }
}
