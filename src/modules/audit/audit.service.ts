/**
 * Audit module: owns the node's tamper-evident log. Every security-relevant event is a leaf of an append-only
 * RFC 9162 Merkle tree, appended in the transaction of the change it records (appendAuditEvents). This service
 * signs tree heads, serves inclusion and consistency proofs, leaves and searches, and drives witnessing by the
 * peer (witness.service.ts), whose countersignatures and alerts it also serves.
 */

import type { Logger } from "pino";
import type { z } from "zod";
import type { Clock } from "../../core/clock.ts";
import {
  consistencyProofRanges,
  foldSubtreeHashes,
  inclusionProofRanges,
  type LeafRange,
  rangeSubtrees,
  type SubtreeRef,
} from "../../core/merkle.ts";
import { RecurringTask } from "../../core/recurring-task.ts";
import type { Db } from "../../db/database.ts";
import type { KeyRing } from "../keys/keys.service.ts";
import {
  type AuditSearch,
  hasLeavesBeyondWitnessing,
  importLegacyAuditEvents,
  readLeaves,
  readLogHead,
  readNodes,
  searchLeaves,
} from "./audit.repository.ts";
import type { RecordedEvent } from "./audit.schema.ts";
import { MAX_LEAVES_PER_PAGE } from "./audit.schema.ts";
import { leafRecordBatches } from "./leaf-stream.source.ts";
import { LEAF_STREAM_END } from "./leaf-stream.ts";
import { auditError, signTreeHead, toBase64 } from "./tree-head.ts";
import { UpperNodeCache } from "./upper-nodes.ts";
import {
  type AuditTreeHeadsTable,
  insertTreeHead,
  latestCountersignatures,
  latestTreeHead,
  listAlerts,
  listWitnessedHeads,
} from "./witness.repository.ts";

export interface AuditOptions {
  /** Sign a new head at least this often while the log grows. */
  treeHeadIntervalMs: number;
  /** ... and as soon as this many leaves were added since the last head. */
  treeHeadEveryLeaves: number;
  /** How often the node looks whether a head is due. */
  checkIntervalMs: number;
}

export const defaultAuditOptions: AuditOptions = {
  treeHeadIntervalMs: 60_000,
  treeHeadEveryLeaves: 10_000,
  checkIntervalMs: 1_000,
};

export interface AuditDeps {
  db: Db;
  clock: Clock;
  party: string;
  keys: KeyRing;
  logger: Logger;
  options?: Partial<AuditOptions> | undefined;
  /** Sends each new head to the peers (set once witnessing is wired). */
  onTreeHead?: ((head: AuditTreeHeadsTable) => Promise<void>) | undefined;
  /** Turns queued records into leaves; the periodic tick drains what a crash or a failed drain left. */
  sequencer?: { flush(): Promise<void> } | undefined;
}

const decoder = new TextDecoder();

/** Nodes covering 256 leaves and more stay in memory: 2 per 256 leaves, 250 KB at 1M leaves. */
const UPPER_NODE_LEVEL = 8;

export class AuditService {
  readonly options: AuditOptions;
  private readonly task = new RecurringTask(
    () => this.tick(),
    (error) => this.deps.logger.error({ err: error }, "signing or sending the audit tree head failed"),
  );
  /** Upper levels of the tree in memory: a proof reads only the nodes near its leaf and its tree's right edge. */
  private readonly upperNodes = new UpperNodeCache(UPPER_NODE_LEVEL);
  /**
   * Size of the last head this process handed to the witnesses. A head signed on demand (an auditor's read) is not
   * sent, so whether one is due is measured from here, not from the latest head: else activity covered by such a
   * head would never reach the witness.
   */
  private publishedSize = 0;

  constructor(private readonly deps: AuditDeps) {
    this.options = { ...defaultAuditOptions, ...deps.options };
  }

  /** Import the pre-Merkle audit_events rows (once), so no record predating the Merkle log is lost. */
  async importLegacy(): Promise<number> {
    let total = 0;
    for (;;) {
      const added = await this.deps.db.transaction().execute((tx) => importLegacyAuditEvents(tx, this.deps.party));
      if (added === 0) return total;
      total += added;
    }
  }

  /** The latest signed head, signing a fresh one first when the log grew since (or none exists yet). */
  async currentTreeHead(): Promise<AuditTreeHeadsTable> {
    const { db, clock, keys } = this.deps;
    await this.sequenceQueued();
    const head = await readLogHead(db);
    const latest = await latestTreeHead(db);
    if (latest && Number(latest.tree_size) === head.treeSize) return latest;
    const rootHash = foldSubtreeHashes(head.frontier);
    const at = clock.now();
    const signed = await signTreeHead(
      { treeSize: head.treeSize, rootHash: toBase64(rootHash), timestamp: at.toISOString() },
      keys.signing,
    );
    return insertTreeHead(db, { tree_size: head.treeSize, root_hash: rootHash, issued_at: at, signed });
  }

  /** Sign a head now and hand it to the witnesses. */
  async publishTreeHead(): Promise<AuditTreeHeadsTable> {
    const head = await this.currentTreeHead();
    await this.deps.onTreeHead?.(head);
    this.publishedSize = Math.max(this.publishedSize, Number(head.tree_size));
    return head;
  }

  async treeHeadWithWitnesses() {
    const head = await this.currentTreeHead();
    const witnesses = await latestCountersignatures(this.deps.db);
    return {
      signed: head.signed,
      treeSize: Number(head.tree_size),
      rootHash: toBase64(head.root_hash),
      timestamp: head.issued_at.toISOString(),
      witnesses: witnesses.map((w) => ({
        party: w.witness,
        signed: w.signed,
        treeSize: Number(w.tree_size),
        rootHash: toBase64(w.root_hash),
        receivedAt: w.received_at.toISOString(),
      })),
    };
  }

  private async checkSize(size: number): Promise<void> {
    const { treeSize } = await readLogHead(this.deps.db);
    if (size > treeSize) {
      throw auditError("PROOF_RANGE", `the log has ${treeSize} leaves; there is no tree of size ${size}`);
    }
  }

  /**
   * Read what a proof needs in one query (or none). A tree larger than the log needs nodes that do not exist yet, so a
   * missing node is checked against the log size only then (the common case costs no extra query).
   */
  private async readProof(ranges: LeafRange[], size: number, extra: SubtreeRef[] = []) {
    try {
      // Each range's complete subtrees, worked out once: the nodes to read, then the hashes to fold. The ranges of
      // a proof are disjoint, and a repeated ref would only repeat a pair of the query's IN list.
      const subtrees = ranges.map((range) => rangeSubtrees(range.start, range.end));
      const refs = [...extra];
      for (const list of subtrees) for (const ref of list) refs.push(ref);
      const lookup = await readNodes(this.deps.db, refs, { cache: this.upperNodes, size });
      return {
        path: subtrees.map((list) => toBase64(foldSubtreeHashes(list.map(lookup)))),
        extra: extra.map((ref) => toBase64(lookup(ref))),
      };
    } catch (error) {
      await this.checkSize(size);
      throw error;
    }
  }

  async inclusionProof(index: number, treeSize?: number) {
    const size = treeSize ?? Number((await this.currentTreeHead()).tree_size);
    if (index >= size) throw auditError("PROOF_RANGE", `leaf ${index} is not in a tree of size ${size}`);
    const { path, extra } = await this.readProof(inclusionProofRanges(index, size), size, [{ level: 0, index }]);
    return { index, treeSize: size, leafHash: extra[0] as string, path };
  }

  async consistencyProof(from: number, to?: number) {
    const size = to ?? Number((await this.currentTreeHead()).tree_size);
    if (from > size) throw auditError("PROOF_RANGE", `cannot prove size ${from} consistent with smaller ${size}`);
    const ranges = consistencyProofRanges(from, size);
    if (ranges.length === 0) await this.checkSize(size);
    return { from, to: size, path: (await this.readProof(ranges, size)).path };
  }

  /**
   * Make every record committed so far a leaf. Changes do not wait for their records to be sequenced (the queue
   * is durable), so whoever reads the log calls this first and sees every change that was answered before.
   */
  async sequenceQueued(): Promise<void> {
    await this.deps.sequencer?.flush();
  }

  async leaves(start: number, end: number, view: "full" | "compact" = "full") {
    if (end < start) throw auditError("PROOF_RANGE", "end must not be before start");
    await this.sequenceQueued();
    const rows = await readLeaves(this.deps.db, start, Math.min(end, start + MAX_LEAVES_PER_PAGE - 1));
    return {
      items: rows.map((row) => ({
        index: Number(row.index),
        data: Buffer.from(row.data).toString("base64"),
        leafHash: row.leafHash ? toBase64(row.leafHash) : null,
        // The leaf bytes are the canonical JSON auditLeafBytes wrote: a RecordedEvent (audit.schema.ts).
        ...(view === "full" ? { event: JSON.parse(decoder.decode(row.data)) as z.output<typeof RecordedEvent> } : {}),
      })),
    };
  }

  /**
   * Leaves [start, end] as the leaf stream (leaf-stream.ts): checked before the first byte, so bad input is a
   * problem+json answer; then read in batches bounded by count and bytes, reading ahead (leaf-stream.source.ts).
   */
  async leafStream(start: number, end: number, recordedHashes = false): Promise<AsyncIterable<Uint8Array>> {
    if (end < start) throw auditError("PROOF_RANGE", "end must not be before start");
    const { treeSize } = await readLogHead(this.deps.db);
    if (end >= treeSize) throw auditError("PROOF_RANGE", `the log has ${treeSize} leaves; leaf ${end} is not in it`);
    const batches = leafRecordBatches(this.deps.db, start, end, recordedHashes);
    return (async function* () {
      yield* batches;
      yield LEAF_STREAM_END;
    })();
  }

  async events(query: AuditSearch) {
    await this.sequenceQueued();
    const rows = await searchLeaves(this.deps.db, query);
    const items = rows.map((row) => ({ index: Number(row.index), ...JSON.parse(decoder.decode(row.data)) }));
    const last = items[items.length - 1];
    return { items, next: items.length === query.limit && last ? last.index : null };
  }

  /** The heads of `origin`'s log this node countersigned as its witness, newest first (the verifier compares). */
  async witnessedHeads(origin: string, before: number | undefined, limit: number) {
    const rows = await listWitnessedHeads(this.deps.db, origin, before, limit);
    return {
      origin,
      items: rows.map((r) => ({
        treeSize: Number(r.tree_size),
        rootHash: toBase64(r.root_hash),
        timestamp: r.issued_at.toISOString(),
        acceptedAt: r.accepted_at.toISOString(),
        countersigned: r.countersigned,
      })),
    };
  }

  async alerts(limit = 100) {
    const rows = await listAlerts(this.deps.db, limit);
    return {
      items: rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        peer: r.peer,
        kind: r.kind,
        treeSize: r.tree_size === null ? null : Number(r.tree_size),
        detail: r.detail,
      })),
    };
  }

  /**
   * Sign and send a head when one is due: enough new leaves, or the interval passed and something other than
   * witnessing's own traffic was recorded (else two idle nodes would answer each other's heads for ever).
   */
  async tick(): Promise<AuditTreeHeadsTable | undefined> {
    await this.sequenceQueued();
    const { treeSize } = await readLogHead(this.deps.db);
    const latest = await latestTreeHead(this.deps.db);
    const grown = treeSize - this.publishedSize;
    if (grown <= 0) return undefined;
    const age = latest ? this.deps.clock.now().getTime() - latest.issued_at.getTime() : Number.POSITIVE_INFINITY;
    if (grown < this.options.treeHeadEveryLeaves) {
      if (age < this.options.treeHeadIntervalMs) return undefined;
      if (!(await hasLeavesBeyondWitnessing(this.deps.db, this.publishedSize))) return undefined;
    }
    return this.publishTreeHead();
  }

  start(): void {
    this.task.start(this.options.checkIntervalMs);
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
