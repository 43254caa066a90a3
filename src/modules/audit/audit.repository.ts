import { type Generated, sql } from "kysely";
import { canonicalJson } from "../../core/canonical-json.ts";
import type { AuditEvent } from "../../core/change.ts";
import { LiaisonError } from "../../core/errors.ts";
import {
  type CompletedNode,
  foldSubtreeHashes,
  type Hash,
  hashRanges,
  type LeafRange,
  leafHash,
  MerkleFrontier,
  rangeSubtrees,
  type SubtreeRef,
  subtreeKey,
  subtreesForRanges,
} from "../../core/merkle.ts";
import type { DbOrTx, Tx } from "../../db/database.ts";
import { WITNESSING_ACTIONS } from "./audit.schema.ts";
import type { UpperNodeCache } from "./upper-nodes.ts";

/** Pre-Merkle record (migration 2026112401); read once to import its rows as the first leaves. */
export interface AuditEventsTable {
  index: Generated<number>;
  at: Date;
  party: string;
  actor: string;
  action: string;
  subject: string | null;
  outcome: string;
  request_id: string | null;
  event: unknown;
}

/** One row: the size of the log and its right edge (complete subtrees, 32 bytes each, largest first). */
export interface AuditLogHeadTable {
  id: number;
  tree_size: number;
  frontier: Uint8Array;
  legacy_imported: number;
}

/** A leaf: `data` is exactly the bytes hashed; the other columns are copies for searching. */
export interface AuditLeavesTable {
  index: number;
  at: Date;
  actor: string;
  action: string;
  subject: string | null;
  outcome: string;
  data: Uint8Array;
  /** The audit_queue row this leaf was sequenced from (null for leaves appended directly). */
  queue_id: number | null;
}

/** The records of one change waiting to become leaves: written in the transaction of the change they record. */
export interface AuditQueueTable {
  id: Generated<number>;
  at: Date;
  party: string;
  events: unknown;
}

export interface AuditNodesTable {
  level: number;
  index: number;
  hash: Uint8Array;
}

declare module "../../db/schema.ts" {
  interface Database {
    audit_events: AuditEventsTable;
    audit_log_head: AuditLogHeadTable;
    audit_leaves: AuditLeavesTable;
    audit_queue: AuditQueueTable;
    audit_nodes: AuditNodesTable;
  }
}

/** The leaf bytes: RFC 8785 canonical JSON of the event with its index, time and party. */
export function auditLeafBytes(index: number, at: Date, party: string, event: AuditEvent): Buffer {
  const leaf: Record<string, unknown> = {
    index,
    at: at.toISOString(),
    party,
    actor: event.actor,
    action: event.action,
    subject: event.subject ?? null,
    outcome: event.outcome,
    reasons: event.reasons ?? [],
    requestId: event.requestId ?? null,
  };
  // canonicalize applies toJSON and drops undefined as JSON.stringify does: a verifier parses back the same.
  if (event.details !== undefined) leaf.details = event.details;
  return Buffer.from(canonicalJson(leaf), "utf8");
}

const HASH_BYTES = 32;

function splitFrontier(bytes: Uint8Array): Hash[] {
  const hashes: Hash[] = [];
  for (let i = 0; i < bytes.length; i += HASH_BYTES) hashes.push(bytes.subarray(i, i + HASH_BYTES));
  return hashes;
}

async function lockHead(tx: Tx): Promise<AuditLogHeadTable> {
  // The one-row head serialises appends across processes: indices are dense and follow commit order.
  const head = await tx.selectFrom("audit_log_head").selectAll().where("id", "=", 1).forUpdate().executeTakeFirst();
  if (!head) throw new LiaisonError("LIAISON_AUDIT_LOG_MISSING", 500, "the audit log head row is missing");
  return head;
}

async function appendLeaves(
  tx: Tx,
  head: AuditLogHeadTable,
  leaves: readonly { at: Date; event: AuditEvent; bytes: (index: number) => Buffer; queueId?: number }[],
  extra: Partial<AuditLogHeadTable> = {},
): Promise<void> {
  const size = Number(head.tree_size);
  const frontier = new MerkleFrontier(size, splitFrontier(head.frontier));
  const leafRows: AuditLeavesTable[] = [];
  const nodeRows: CompletedNode[] = [];
  for (const [i, leaf] of leaves.entries()) {
    const index = size + i;
    const data = leaf.bytes(index);
    nodeRows.push(...frontier.push(leafHash(data)));
    leafRows.push({
      index,
      at: leaf.at,
      actor: leaf.event.actor,
      action: leaf.event.action,
      subject: leaf.event.subject ?? null,
      outcome: leaf.event.outcome,
      data,
      queue_id: leaf.queueId ?? null,
    });
  }
  // One statement per table whatever the batch: columns travel as arrays and unnest() turns them into rows,
  // which PostgreSQL parses and plans far faster than thousands of VALUES parameters.
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  await sql`
    INSERT INTO audit_leaves (index, at, actor, action, subject, outcome, data, queue_id)
    SELECT i::bigint, a::timestamptz, ac, act, s, o, decode(d, 'hex'), q::bigint
    FROM unnest(
      ${leafRows.map((r) => String(r.index))}::text[], ${leafRows.map((r) => r.at.toISOString())}::text[],
      ${leafRows.map((r) => r.actor)}::text[], ${leafRows.map((r) => r.action)}::text[],
      ${leafRows.map((r) => r.subject)}::text[], ${leafRows.map((r) => r.outcome)}::text[],
      ${leafRows.map((r) => hex(r.data))}::text[], ${leafRows.map((r) => (r.queue_id === null ? null : String(r.queue_id)))}::text[]
    ) AS t(i, a, ac, act, s, o, d, q)`.execute(tx);
  await sql`
    INSERT INTO audit_nodes (level, index, hash)
    SELECT l::smallint, i::bigint, decode(h, 'hex')
    FROM unnest(
      ${nodeRows.map((n) => String(n.level))}::text[], ${nodeRows.map((n) => String(n.index))}::text[],
      ${nodeRows.map((n) => hex(n.hash))}::text[]
    ) AS t(l, i, h)`.execute(tx);
  await tx
    .updateTable("audit_log_head")
    .set({ tree_size: frontier.size, frontier: Buffer.concat(frontier.hashes()), ...extra })
    .where("id", "=", 1)
    .execute();
}

/**
 * Record events in the caller's transaction: they commit with the change they record or not at all. They are
 * queued there without taking the log's lock, and `sequenceAuditQueue` makes them leaves (the ChangeRunner waits
 * for that after its commit, so a caller sees its leaf once the change returns).
 */
export async function appendAuditEvents(tx: Tx, party: string, at: Date, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  // One row for the whole change: its records become adjacent leaves whatever other changes commit meanwhile.
  await tx
    .insertInto("audit_queue")
    .values({ at, party, events: JSON.stringify(events) })
    .execute();
}

/** Append events as leaves at once, under the head lock, in the caller's transaction (imports and tests). */
export async function appendAuditLeavesNow(
  tx: Tx,
  party: string,
  at: Date,
  events: readonly AuditEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const head = await lockHead(tx);
  await appendLeaves(
    tx,
    head,
    events.map((event) => ({ at, event, bytes: (index: number) => auditLeafBytes(index, at, party, event) })),
  );
}

/**
 * Turn up to `limit` queued changes' records into leaves, oldest queue id first, and take them off the queue, in
 * one transaction under the head lock. Returns how many queue rows it sequenced. Several processes may run it: the lock makes
 * them take turns, and each reads the queue only once it holds the lock.
 */
export async function sequenceAuditQueue(tx: Tx, limit: number): Promise<number> {
  const head = await lockHead(tx);
  const rows = await tx.selectFrom("audit_queue").selectAll().orderBy("id").limit(limit).execute();
  if (rows.length === 0) return 0;
  await appendLeaves(
    tx,
    head,
    rows.flatMap((row) => {
      const events = (typeof row.events === "string" ? JSON.parse(row.events) : row.events) as AuditEvent[];
      const at = new Date(row.at);
      return events.map((event) => ({
        at,
        event,
        queueId: Number(row.id),
        bytes: (index: number) => auditLeafBytes(index, at, row.party, event),
      }));
    }),
  );
  await tx
    .deleteFrom("audit_queue")
    .where(
      "id",
      "in",
      rows.map((r) => Number(r.id)),
    )
    .execute();
  return rows.length;
}

/**
 * Bring rows of the pre-Merkle audit_events table into the log, oldest first, once. Returns how many it added.
 */
export async function importLegacyAuditEvents(tx: Tx, party: string, batch = 1000): Promise<number> {
  const head = await lockHead(tx);
  const rows = await tx
    .selectFrom("audit_events")
    .selectAll()
    .where("index", ">", Number(head.legacy_imported))
    .orderBy("index")
    .limit(batch)
    .execute();
  if (rows.length === 0) return 0;
  await appendLeaves(
    tx,
    head,
    rows.map((row) => {
      const stored = (typeof row.event === "string" ? JSON.parse(row.event) : row.event) as AuditEvent;
      const event: AuditEvent = {
        ...stored,
        details: { ...(stored.details ?? {}), legacyIndex: row.index },
      };
      return { at: row.at, event, bytes: (index: number) => auditLeafBytes(index, row.at, row.party || party, event) };
    }),
    { legacy_imported: Number(rows[rows.length - 1]?.index) },
  );
  return rows.length;
}

export async function readLogHead(db: DbOrTx): Promise<{ treeSize: number; frontier: Hash[] }> {
  const head = await db
    .selectFrom("audit_log_head")
    .select(["tree_size", "frontier"])
    .where("id", "=", 1)
    .executeTakeFirstOrThrow();
  return { treeSize: Number(head.tree_size), frontier: splitFrontier(head.frontier) };
}

/**
 * Stored hashes of complete subtrees, in at most one query; the lookup fails if one is missing (the log is damaged).
 * With `upper` (and the size of the tree the refs belong to), nodes at its levels come from memory: the query reads
 * only the nodes below them, plus, when the tree outgrew the cache, the upper nodes the cache lacks (a catch-up).
 */
export async function readNodes(
  db: DbOrTx,
  refs: readonly SubtreeRef[],
  upper?: { cache: UpperNodeCache; size: number },
): Promise<(ref: SubtreeRef) => Hash> {
  const found = new Map<number | string, Hash>();
  const cache = upper?.cache;
  const wanted = cache ? refs.filter((ref) => !cache.has(ref)) : refs;
  const coveredFrom = cache?.coveredSize ?? 0;
  const spans = cache && upper.size > coveredFrom ? cache.catchUpSpans(upper.size) : [];
  // Integers we computed, inlined: short statements with no parameters, planned as index probes and range scans.
  const int = (x: number) => Math.trunc(x);
  const selects = [
    ...(wanted.length > 0
      ? [
          `SELECT level, index, hash FROM audit_nodes WHERE (level, index) IN (${wanted.map((r) => `(${int(r.level)},${int(r.index)})`).join(",")})`,
        ]
      : []),
    ...spans.map(
      (s) =>
        `SELECT level, index, hash FROM audit_nodes WHERE level = ${int(s.level)} AND index >= ${int(s.from)} AND index < ${int(s.to)}`,
    ),
  ];
  if (selects.length > 0) {
    const rows = (await sql<AuditNodesTable>`${sql.raw(selects.join(" UNION ALL "))}`.execute(db)).rows;
    for (const row of rows) found.set(subtreeKey({ level: row.level, index: Number(row.index) }), row.hash);
    if (cache && spans.length > 0) {
      cache.add(
        coveredFrom,
        upper.size,
        rows.map((row) => ({ level: row.level, index: Number(row.index), hash: row.hash })),
      );
    }
  }
  return (ref) => {
    const hash = cache?.get(ref) ?? found.get(subtreeKey(ref));
    if (!hash) {
      throw new LiaisonError("LIAISON_AUDIT_LOG_DAMAGED", 500, `stored node ${ref.level}:${ref.index} is missing`);
    }
    return hash;
  };
}

/** Root of the first `size` leaves from stored nodes. */
export async function rootAt(db: DbOrTx, size: number): Promise<Hash> {
  const refs = rangeSubtrees(0, size);
  const lookup = await readNodes(db, refs);
  return foldSubtreeHashes(refs.map(lookup));
}

/** The hashes of the ranges of a proof, read in one query. */
export async function proofPath(db: DbOrTx, ranges: readonly LeafRange[]): Promise<Hash[]> {
  return hashRanges(ranges, await readNodes(db, subtreesForRanges(ranges)));
}

/** Leaves [start, end] (inclusive, as in RFC 9162 get-entries) with the leaf hash stored when each was appended. */
export async function readLeaves(db: DbOrTx, start: number, end: number) {
  return (
    db
      .selectFrom("audit_leaves as l")
      // The range on both sides makes PostgreSQL scan two index ranges instead of hashing every leaf node.
      .leftJoin("audit_nodes as n", (join) =>
        join.onRef("n.index", "=", "l.index").on("n.level", "=", 0).on("n.index", ">=", start).on("n.index", "<=", end),
      )
      .select(["l.index", "l.data", "n.hash as leafHash"])
      .where("l.index", ">=", start)
      .where("l.index", "<=", end)
      .orderBy("l.index")
      .execute()
  );
}

/** One read of the leaf stream: the records, and the last index it covers (the next read starts after it). */
export interface LeafRecords {
  records: Buffer;
  through: number;
}

/**
 * Leaves [start, end] as records of the leaf stream (leaf-stream.ts), built by the database into one value: the
 * node touches no leaf one by one. The value travels as base64 text: the driver would otherwise send bytea as hex,
 * larger and several times slower to decode. With `recordedHashes`, each record carries the leaf hash stored at
 * append (the leaf's level-0 node); that join costs PostgreSQL about as much again as reading the leaves, so a
 * verifier that recomputes every hash anyway goes without it.
 *
 * A read stops at `maxBytes` of leaf data: a leaf is taken while the leaves before it in the read hold less, so a
 * read holds at least one leaf and exceeds the budget by less than its last leaf. A count alone would let leaves
 * of attacker-sized details (a stranger's text once reached the log) make one aggregate as large as they like.
 * `length(bytea)` reads the stored size without detoasting, and the leaves left out are never concatenated.
 *
 * The records are aggregated in the order the sorted subquery delivers them, which PostgreSQL keeps for a plain
 * aggregate over it; an ORDER BY inside string_agg would make PostgreSQL 15 copy and sort every record again (a
 * third of the query). Since that order is usual rather than promised, the records are checked, and read again
 * with the ORDER BY if they ever came out of order.
 */
export async function readLeafRecords(
  db: DbOrTx,
  start: number,
  end: number,
  recordedHashes: boolean,
  options: { maxBytes?: number; sorted?: boolean } = {},
): Promise<LeafRecords> {
  const { maxBytes = Number.MAX_SAFE_INTEGER, sorted = false } = options;
  const hash = recordedHashes
    ? sql`CASE WHEN length(n.hash) = 32 THEN decode('20', 'hex') || n.hash ELSE decode('00', 'hex') END`
    : sql`decode('00', 'hex')`;
  const join = recordedHashes
    ? sql`LEFT JOIN audit_nodes n ON n.level = 0 AND n.index = l.i AND n.index >= ${start} AND n.index <= ${end}`
    : sql``;
  const result = await sql<{ records: string | null; left_out: string | number | null }>`
    SELECT encode(string_agg(record, ''::bytea ${sql.raw(sorted ? "ORDER BY i" : "")}), 'base64') AS records,
      min(i) FILTER (WHERE record IS NULL) AS left_out
    FROM (
      SELECT l.i, CASE WHEN l.fits THEN int8send(l.i) || ${hash} || int4send(length(l.data)) || l.data END AS record
      FROM (
        SELECT index AS i, data, coalesce(sum(length(data)) OVER (ORDER BY index
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) < ${maxBytes} AS fits
        FROM audit_leaves WHERE index >= ${start} AND index <= ${end}
      ) l ${join}
      ORDER BY l.i
    ) AS s`.execute(db);
  const row = result.rows[0];
  const records = Buffer.from(row?.records ?? "", "base64");
  const through = row?.left_out === null || row?.left_out === undefined ? end : Number(row.left_out) - 1;
  return sorted || leafRecordsInOrder(records)
    ? { records, through }
    : readLeafRecords(db, start, end, recordedHashes, { maxBytes, sorted: true });
}

/** Whether the indices of leaf stream records increase (hopping from header to header, reading no leaf). */
export function leafRecordsInOrder(records: Buffer): boolean {
  let previous = -1;
  for (let at = 0; at < records.length; ) {
    const index = records.readUInt32BE(at) * 2 ** 32 + records.readUInt32BE(at + 4);
    if (index <= previous) return false;
    previous = index;
    const lengthAt = at + 9 + (records[at + 8] as number);
    at = lengthAt + 4 + records.readUInt32BE(lengthAt);
  }
  return true;
}

/** Whether any leaf from `index` on records something other than witnessing's own traffic. */
export async function hasLeavesBeyondWitnessing(db: DbOrTx, index: number): Promise<boolean> {
  const row = await db
    .selectFrom("audit_leaves")
    .select("index")
    .where("index", ">=", index)
    .where("action", "not in", WITNESSING_ACTIONS)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface AuditSearch {
  actor?: string | undefined;
  action?: string | undefined;
  subject?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only leaves with a smaller index: the cursor for the next page, newest first. */
  before?: number | undefined;
  limit: number;
}

export async function searchLeaves(db: DbOrTx, q: AuditSearch) {
  let query = db.selectFrom("audit_leaves").select(["index", "data"]).orderBy("index", "desc").limit(q.limit);
  if (q.actor) query = query.where("actor", "=", q.actor);
  if (q.action) query = query.where("action", "=", q.action);
  if (q.subject) query = query.where("subject", "=", q.subject);
  if (q.from) query = query.where("at", ">=", q.from);
  if (q.to) query = query.where("at", "<", q.to);
  if (q.before !== undefined) query = query.where("index", "<", q.before);
  return query.execute();
}
