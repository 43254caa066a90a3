import type { DbOrTx } from "../../db/database.ts";
import { readLeafRecords } from "./audit.repository.ts";
import { LEAF_STREAM_CHUNK, LEAF_STREAM_READS_AHEAD } from "./leaf-stream.ts";

/**
 * Leaf data per database read of the stream. Leaves as the node writes them (~290 bytes) fill 8,192 of them with
 * 2.4 MB, so the count bounds a read; leaves with large details (up to the inbox's limits) reach this first. With
 * two reads ahead and one being written, a stream holds about three of these (and their base64 text) at most.
 */
export const LEAF_STREAM_BATCH_BYTES = 8 * 1024 * 1024;

interface PendingRead {
  start: number;
  end: number;
  records: ReturnType<typeof readLeafRecords>;
}

/**
 * The records of leaves [start, end], one database read at a time, with the next reads running (on other
 * connections of the pool, so on PostgreSQL on the other core too) while a batch is written. Each read is bounded
 * by count (LEAF_STREAM_CHUNK) and by bytes (`maxBytes`, at least one leaf). A read cut by bytes covers fewer
 * indices than asked, so the reads already running after it start in the wrong place: they are dropped and the
 * stream goes on from where the cut read ended, asking for as many leaves as fitted, and more again once they fit
 * easily. With leaves of the usual size no read is cut and nothing is read twice.
 */
export async function* leafRecordBatches(
  db: DbOrTx,
  start: number,
  end: number,
  recordedHashes: boolean,
  maxBytes = LEAF_STREAM_BATCH_BYTES,
): AsyncGenerator<Buffer> {
  const reads: PendingRead[] = [];
  let next = start;
  let stride = LEAF_STREAM_CHUNK;
  const readAhead = () => {
    while (reads.length < LEAF_STREAM_READS_AHEAD && next <= end) {
      const last = Math.min(end, next + stride - 1);
      const records = readLeafRecords(db, next, last, recordedHashes, { maxBytes });
      records.catch(() => {}); // awaited below (or dropped); this only keeps a failure from being reported unhandled
      reads.push({ start: next, end: last, records });
      next = last + 1;
    }
  };
  readAhead();
  while (reads.length > 0) {
    const read = reads.shift() as PendingRead;
    const { records, through } = await read.records;
    if (through < read.end) {
      reads.length = 0;
      next = through + 1;
      stride = through - read.start + 1;
    } else if (stride < LEAF_STREAM_CHUNK && records.length < maxBytes / 2) {
      stride = Math.min(LEAF_STREAM_CHUNK, stride * 2);
    }
    readAhead();
    if (records.length > 0) yield records;
  }
}
