/**
 * The leaf stream (`GET /api/v1/audit/leaves/stream`, media type below): the log's leaves as length-prefixed
 * binary records, for verifying a whole log without JSON or base64 on either side. Per leaf, in index order:
 *
 *   index        8 bytes, unsigned big-endian
 *   hashLength   1 byte: 32, or 0 when the node has no 32-byte leaf hash recorded for it
 *   leafHash     hashLength bytes: SHA-256(0x00 || leaf bytes) as recorded when the leaf was appended
 *   dataLength   4 bytes, unsigned big-endian
 *   data         dataLength bytes: exactly the bytes that were hashed
 *
 * then an end marker of 8 bytes 0xFF (no index is that large), so a reader can tell a complete stream from one
 * cut short. A leaf the node does not have simply is not there: the reader sees the next index.
 */
export const LEAF_STREAM_MEDIA_TYPE = "application/vnd.liaison.audit-leaves";

/** Leaves in one database read of the stream (about 2.4 MB of records for leaves of ~290 bytes): larger reads
 * cost the node less per leaf (4,096: 1.3 s of CPU per 1M leaves, 8,192: 1.1 s, 16,384: 0.9 s; loaded VM). The
 * node holds up to three reads per stream (two ahead); a read also stops at LEAF_STREAM_BATCH_BYTES of leaf data
 * (leaf-stream.source.ts), so large leaves cannot make one read as large as they like. */
export const LEAF_STREAM_CHUNK = 8192;

/** Reads of the database kept running while a chunk is written: two keep both cores busy on PostgreSQL. */
export const LEAF_STREAM_READS_AHEAD = 2;

export const LEAF_STREAM_END = Buffer.alloc(8, 0xff);

/** Largest leaf a reader accepts, so a corrupt length cannot make it buffer without bound. */
export const MAX_STREAMED_LEAF_BYTES = 16 * 1024 * 1024;

export interface StreamedLeaf {
  index: number;
  data: Uint8Array;
  /** The hash recorded when the leaf was appended, or null when the node has none. */
  leafHash: Uint8Array | null;
}

/** The longest record header: index, hash length, hash, data length. */
const MAX_HEADER = 8 + 1 + 32 + 4;

/**
 * Length of the record (or end marker) at `at`, once its header is there; undefined while it is not. Throws on
 * what no node writes.
 */
function recordLength(bytes: Buffer, at: number): number | undefined {
  const available = bytes.length - at;
  if (available < 8) return undefined;
  if (bytes.readUInt32BE(at) === 0xffffffff && bytes.readUInt32BE(at + 4) === 0xffffffff) return 8;
  const index = bytes.readUInt32BE(at) * 2 ** 32 + bytes.readUInt32BE(at + 4);
  if (!Number.isSafeInteger(index)) throw new Error(`the leaf stream has an impossible index at byte ${at}`);
  if (available < 9) return undefined;
  const hashLength = bytes[at + 8] as number;
  if (hashLength !== 0 && hashLength !== 32) throw new Error(`leaf ${index}: hash length ${hashLength} in the stream`);
  if (available < 13 + hashLength) return undefined;
  const dataLength = bytes.readUInt32BE(at + 9 + hashLength);
  if (dataLength > MAX_STREAMED_LEAF_BYTES) throw new Error(`leaf ${index}: ${dataLength} bytes is too large`);
  return 13 + hashLength + dataLength;
}

/**
 * Splits the stream's bytes, as they arrive in chunks of any size, into leaves that point into those chunks.
 * Only a record cut by a chunk boundary is copied, so memory stays bounded by a chunk plus one record. `push`
 * returns the leaves a chunk completes; `end` throws unless the end marker was seen (the stream was cut short).
 */
export class LeafStreamReader {
  /** The start of a record cut by a chunk boundary, in pieces, and its whole length once its header is known. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private pendingRecord: number | undefined;
  private ended = false;

  push(chunk: Uint8Array): StreamedLeaf[] {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const leaves: StreamedLeaf[] = [];
    let at = 0;
    if (this.pendingLength > 0) {
      at = this.completePending(bytes, leaves);
      if (this.pendingLength > 0) return leaves;
    }
    // The records wholly in this chunk, read in place (recordLength and take, folded together: this runs per leaf).
    while (at + 8 <= bytes.length) {
      const high = bytes.readUInt32BE(at);
      const low = bytes.readUInt32BE(at + 4);
      if (this.ended) throw new Error("the leaf stream has bytes after its end marker");
      if (high === 0xffffffff && low === 0xffffffff) {
        this.ended = true;
        at += 8;
        continue;
      }
      const length = recordLength(bytes, at);
      if (length === undefined || at + length > bytes.length) break;
      const hashLength = bytes[at + 8] as number;
      leaves.push({
        index: high * 2 ** 32 + low,
        leafHash: hashLength === 32 ? bytes.subarray(at + 9, at + 41) : null,
        data: bytes.subarray(at + 13 + hashLength, at + length),
      });
      at += length;
    }
    if (at < bytes.length) {
      if (this.ended) throw new Error("the leaf stream has bytes after its end marker");
      // A copy, so the chunk it came from can go.
      this.pending = [Buffer.from(bytes.subarray(at))];
      this.pendingLength = bytes.length - at;
    }
    return leaves;
  }

  /** Complete the cut record from the front of `bytes`, copying only its own bytes; returns where it ended. */
  private completePending(bytes: Buffer, leaves: StreamedLeaf[]): number {
    let at = 0;
    while (this.pendingRecord === undefined) {
      const head = Buffer.concat(this.pending); // shorter than a header
      this.pending = [head];
      this.pendingRecord = recordLength(head, 0);
      if (this.pendingRecord !== undefined) break;
      if (at === bytes.length) return at;
      const taken = bytes.subarray(at, at + MAX_HEADER - head.length); // may run past a short record
      at += taken.length;
      this.pending.push(taken);
      this.pendingLength += taken.length;
    }
    const record = this.pendingRecord;
    if (this.pendingLength >= record) {
      at -= this.pendingLength - record; // give back what ran past the record
    } else {
      const taken = bytes.subarray(at, at + record - this.pendingLength);
      at += taken.length;
      this.pending.push(taken);
      this.pendingLength += taken.length;
      if (this.pendingLength < record) return at; // a large record: gather its pieces until it is whole
    }
    this.take(Buffer.concat(this.pending).subarray(0, record), 0, leaves);
    this.pending = [];
    this.pendingLength = 0;
    this.pendingRecord = undefined;
    return at;
  }

  /** Throws unless the stream ended with its end marker and nothing is left over. */
  end(): void {
    if (!this.ended || this.pendingLength > 0) throw new Error("the leaf stream was cut short (no end marker)");
  }

  /** The whole record at `at`. */
  private take(bytes: Buffer, at: number, leaves: StreamedLeaf[]): void {
    if (this.ended) throw new Error("the leaf stream has bytes after its end marker");
    if (bytes.readUInt32BE(at) === 0xffffffff && bytes.readUInt32BE(at + 4) === 0xffffffff) {
      this.ended = true;
      return;
    }
    const hashLength = bytes[at + 8] as number;
    const dataAt = at + 13 + hashLength;
    leaves.push({
      index: bytes.readUInt32BE(at) * 2 ** 32 + bytes.readUInt32BE(at + 4),
      leafHash: hashLength === 32 ? bytes.subarray(at + 9, at + 41) : null,
      data: bytes.subarray(dataAt, dataAt + bytes.readUInt32BE(dataAt - 4)),
    });
  }
}
