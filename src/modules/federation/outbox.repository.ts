import { type Generated, sql } from "kysely";
import type { SealedEnvelope } from "../../core/change.ts";
import type { Db, DbOrTx, Tx } from "../../db/database.ts";

export interface OutboxTable {
  envelope_id: string;
  peer: string;
  type: string;
  jwe: string;
  digest: string;
  status: "pending" | "delivered" | "dead";
  attempts: Generated<number>;
  created_at: Date;
  /** When the current delivery effort began: creation, or the last manual retry. Dead-letter age counts from it. */
  queued_at: Date;
  next_attempt_at: Date;
  lease_until: Date | null;
  last_error_code: string | null;
  last_error: string | null;
  delivered_at: Date | null;
  dead_at: Date | null;
  receipt: string | null;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  envelope_id: string;
  attempted_at: Date;
  outcome: "delivered" | "retry" | "dead";
  error_code: string | null;
  error: string | null;
  duration_ms: number;
}

/** Running totals per peer, kept by `settleOutbox`: what the peers listing shows without counting the outbox. */
export interface PeerDeliveryTotalsTable {
  peer: string;
  delivered: number;
  last_delivered_at: Date | null;
}

declare module "../../db/schema.ts" {
  interface Database {
    outbox: OutboxTable;
    delivery_attempts: DeliveryAttemptsTable;
    peer_delivery_totals: PeerDeliveryTotalsTable;
  }
}

export interface ClaimedEnvelope {
  envelope_id: string;
  peer: string;
  jwe: string;
  digest: string;
  queued_at: Date;
  attempts: number;
}

export async function insertOutbox(tx: Tx, envelopes: readonly SealedEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  await tx
    .insertInto("outbox")
    .values(
      envelopes.map((e) => ({
        envelope_id: e.envelopeId,
        peer: e.peer,
        type: e.type,
        jwe: e.jwe,
        digest: e.digest,
        status: "pending" as const,
        created_at: e.createdAt,
        queued_at: e.createdAt,
        next_attempt_at: e.createdAt,
      })),
    )
    .execute();
}

/**
 * Reserve up to `limit` due envelopes for this process. SKIP LOCKED lets several processes of one node drain
 * the same outbox without waiting on each other; the lease frees rows claimed by a process that died.
 */
export async function claimOutboxBatch(
  db: Db,
  now: Date,
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedEnvelope[]> {
  const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000);
  const result = await sql<ClaimedEnvelope>`
    UPDATE outbox SET lease_until = ${leaseUntil}, attempts = attempts + 1
    WHERE envelope_id IN (
      SELECT envelope_id FROM outbox
      WHERE status = 'pending' AND next_attempt_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING envelope_id, peer, jwe, digest, queued_at, attempts`.execute(db);
  return result.rows.map((r) => ({ ...r, queued_at: new Date(r.queued_at) }));
}

export interface DeliveryOutcome {
  envelopeId: string;
  outcome: "delivered" | "retry" | "dead";
  receipt?: string;
  errorCode?: string;
  error?: string;
  nextAttemptAt?: Date;
  durationMs: number;
}

/**
 * Settle a sent batch and record every attempt, in one statement (one array per column, so its size does not
 * grow with the batch): receipts stored, retries scheduled, dead letters set aside. Only rows still pending are
 * touched, so a slow lane whose lease ran out can never undo what a faster one settled, and each delivery is
 * added once to its peer's running totals (the peers listing). Returns the ids this call settled.
 */
export async function settleOutbox(tx: Tx, at: Date, outcomes: readonly DeliveryOutcome[]): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  const column = <T>(pick: (o: DeliveryOutcome) => T) => outcomes.map(pick);
  const settled = await sql<{ envelope_id: string }>`
    WITH v AS (
      SELECT * FROM unnest(
        ${column((o) => o.envelopeId)}::uuid[], ${column((o) => o.outcome)}::text[],
        ${column((o) => o.receipt ?? null)}::text[], ${column((o) => (o.nextAttemptAt ?? at).toISOString())}::timestamptz[],
        ${column((o) => o.errorCode ?? null)}::text[], ${column((o) => o.error ?? null)}::text[],
        ${column((o) => Math.round(o.durationMs))}::int[]
      ) AS v(envelope_id, outcome, receipt, next_attempt_at, error_code, error, duration_ms)
    ), attempts AS (
      INSERT INTO delivery_attempts (envelope_id, attempted_at, outcome, error_code, error, duration_ms)
      SELECT envelope_id, ${at}::timestamptz, outcome, error_code, error, duration_ms FROM v
    ), settled AS (
      UPDATE outbox AS o SET
        status = CASE WHEN v.outcome = 'retry' THEN 'pending' ELSE v.outcome END,
        receipt = v.receipt,
        delivered_at = CASE WHEN v.outcome = 'delivered' THEN ${at}::timestamptz ELSE NULL END,
        dead_at = CASE WHEN v.outcome = 'dead' THEN ${at}::timestamptz ELSE NULL END,
        next_attempt_at = v.next_attempt_at,
        lease_until = NULL,
        last_error_code = v.error_code,
        last_error = v.error
      FROM v
      WHERE o.envelope_id = v.envelope_id AND o.status = 'pending'
      RETURNING o.envelope_id, o.peer, o.status
    ), totals AS (
      INSERT INTO peer_delivery_totals AS t (peer, delivered, last_delivered_at)
      SELECT peer, count(*), ${at}::timestamptz FROM settled WHERE status = 'delivered' GROUP BY peer
      ON CONFLICT (peer) DO UPDATE SET
        delivered = t.delivered + excluded.delivered,
        last_delivered_at = GREATEST(t.last_delivered_at, excluded.last_delivered_at)
    )
    SELECT envelope_id FROM settled`.execute(tx);
  return new Set(settled.rows.map((r) => r.envelope_id));
}

/** Pending and dead envelopes per peer: bounded reads, whatever the number of delivered rows. */
export async function countQueuedByPeer(db: Db): Promise<{ peer: string; status: string; count: number }[]> {
  const rows = await db
    .selectFrom("outbox")
    .select(["peer", "status", (eb) => eb.fn.countAll<number>().as("count")])
    // OR, not IN: each arm uses its partial index (outbox_due, outbox_dead); `IN` scanned the whole outbox.
    .where((eb) => eb.or([eb("status", "=", "pending"), eb("status", "=", "dead")]))
    .groupBy(["peer", "status"])
    .execute();
  return rows.map((r) => ({ peer: r.peer, status: r.status, count: Number(r.count) }));
}

/** Deliveries per peer, as settleOutbox keeps them. */
export async function listDeliveryTotals(db: Db) {
  return db.selectFrom("peer_delivery_totals").selectAll().execute();
}

export async function outboxDepth(db: Db): Promise<{ pending: number; dead: number }> {
  const rows = await countQueuedByPeer(db);
  const count = (status: string) => rows.reduce((sum, r) => (r.status === status ? sum + r.count : sum), 0);
  return { pending: count("pending"), dead: count("dead") };
}

export async function listOutbox(db: Db, status: "pending" | "delivered" | "dead", limit: number) {
  return (
    db
      .selectFrom("outbox")
      .select([
        "envelope_id",
        "peer",
        "type",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "last_error_code",
        "last_error",
        "delivered_at",
        "dead_at",
      ])
      .where("status", "=", status)
      // Queues read oldest first (what waits longest); delivered rows are history, newest first.
      .orderBy("created_at", status === "delivered" ? "desc" : "asc")
      .limit(limit)
      .execute()
  );
}

/** Put dead letters back in the queue, due now, with a fresh age so they are not dead-lettered again at once. */
export async function retryDeadLetters(tx: Tx, at: Date, envelopeIds: readonly string[] | "all"): Promise<string[]> {
  let query = tx
    .updateTable("outbox")
    .set({ status: "pending", dead_at: null, next_attempt_at: at, queued_at: at, lease_until: null })
    .where("status", "=", "dead");
  if (envelopeIds !== "all") {
    if (envelopeIds.length === 0) return [];
    query = query.where("envelope_id", "in", envelopeIds);
  }
  const rows = await query.returning("envelope_id").execute();
  return rows.map((r) => r.envelope_id);
}

/** Where each of these envelopes is in delivery; ids this node never queued are absent. */
export async function deliveryStatusOf(db: DbOrTx, envelopeIds: readonly string[]) {
  if (envelopeIds.length === 0) return [];
  return db
    .selectFrom("outbox")
    .select(["envelope_id", "status", "delivered_at", "last_error_code"])
    .where("envelope_id", "in", envelopeIds)
    .execute();
}

/** Whether an envelope of this type to this peer still waits for delivery. */
export async function hasPendingEnvelope(db: DbOrTx, peer: string, type: string): Promise<boolean> {
  const row = await db
    .selectFrom("outbox")
    .select("envelope_id")
    .where("status", "=", "pending")
    .where("peer", "=", peer)
    .where("type", "=", type)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findOutboxEnvelope(db: DbOrTx, envelopeId: string) {
  return db.selectFrom("outbox").selectAll().where("envelope_id", "=", envelopeId).executeTakeFirst();
}

export async function listAttempts(db: DbOrTx, envelopeId: string) {
  return db
    .selectFrom("delivery_attempts")
    .select(["attempted_at", "outcome", "error_code", "error", "duration_ms"])
    .where("envelope_id", "=", envelopeId)
    .orderBy("id")
    .execute();
}
