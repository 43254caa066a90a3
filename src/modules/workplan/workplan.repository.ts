import { type Generated, sql } from "kysely";
import type { DbOrTx, Tx } from "../../db/database.ts";
import { eventTarget, type KnownProposal } from "./workplan.lamport.ts";
import type { WorkplanEvent } from "./workplan.schema.ts";
import type { Genesis } from "./workplan.state.ts";

export interface WorkplanGenesisTable {
  agreement_id: string;
  body: unknown;
  digest: string;
  seeded_at: Date;
}
export interface WorkplanEventsTable {
  id: string;
  origin: string;
  lamport: number;
  kind: string;
  body: unknown;
  /** The envelope that carried it here, or that carries it to the peer: local bookkeeping, not plan state. */
  envelope_id: string | null;
  recorded_at: Date;
  /** What the event competes on (workplan.lamport.ts eventTarget): the author's Lamport values rise per target. */
  target: string | null;
  seq: Generated<string>;
}
/** Items that belong to one party (milestones, action items), so an inbound edit can be checked cheaply. */
export interface WorkplanItemsTable {
  item_id: string;
  owner: string;
}

declare module "../../db/schema.ts" {
  interface Database {
    workplan_genesis: WorkplanGenesisTable;
    workplan_events: WorkplanEventsTable;
    workplan_items: WorkplanItemsTable;
  }
}

export async function findGenesis(db: DbOrTx): Promise<{ body: Genesis; digest: string } | undefined> {
  const row = await db.selectFrom("workplan_genesis").select(["body", "digest"]).limit(1).executeTakeFirst();
  return row ? { body: row.body as Genesis, digest: row.digest } : undefined;
}

export async function insertGenesis(db: DbOrTx, genesis: Genesis, digest: string, at: Date): Promise<boolean> {
  const result = await db
    .insertInto("workplan_genesis")
    .values({ agreement_id: genesis.agreement.id, body: JSON.stringify(genesis), digest, seeded_at: at })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Idempotent by event id; returns the events that were new here. */
export async function insertEvents(
  db: DbOrTx,
  events: readonly WorkplanEvent[],
  envelopeId: string | null,
  at: Date,
): Promise<WorkplanEvent[]> {
  if (events.length === 0) return [];
  const proposals = await proposalsById(db, answeredProposals(events));
  const inserted = await db
    .insertInto("workplan_events")
    .values(
      events.map((e) => ({
        id: e.id,
        origin: e.origin,
        lamport: e.lamport,
        kind: e.kind,
        body: JSON.stringify(e),
        envelope_id: envelopeId,
        recorded_at: at,
        target: eventTarget(e, proposals),
      })),
    )
    .onConflict((oc) => oc.column("id").doNothing())
    .returning("id")
    .execute();
  const fresh = new Set(inserted.map((r) => r.id));
  const items = events
    .filter((e) => fresh.has(e.id))
    .flatMap((e) => {
      if (e.kind === "proposal.create" && e.change.field === "milestone.add")
        return [{ item_id: e.id, owner: e.change.value.owner }];
      if (e.kind === "review.record") return e.actionItems.map((a) => ({ item_id: a.id, owner: a.owner }));
      return [];
    });
  if (items.length > 0)
    await db
      .insertInto("workplan_items")
      .values(items)
      .onConflict((oc) => oc.doNothing())
      .execute();
  return events.filter((e) => fresh.has(e.id));
}

/** Events that arrived here after local arrival number `afterSeq` (0: all), with the highest number seen. */
export async function loadEventsAfter(
  db: DbOrTx,
  afterSeq: number,
): Promise<{ events: WorkplanEvent[]; maxSeq: number }> {
  const rows = await db
    .selectFrom("workplan_events")
    .select(["body", "seq"])
    .where("seq", ">", String(afterSeq))
    .execute();
  let maxSeq = afterSeq;
  const events = rows.map((r) => {
    maxSeq = Math.max(maxSeq, Number(r.seq));
    return (typeof r.body === "string" ? JSON.parse(r.body) : r.body) as WorkplanEvent;
  });
  return { events, maxSeq };
}

/**
 * This node's own events: stamped with the next Lamport value inside the transaction that stores them, one change
 * at a time (the genesis row is the lock). Stamped outside, two concurrent changes could share a value, and the
 * peer refuses a second event of one author on one target that does not rise (workplan.lamport.ts).
 */
export async function insertLocalEvents(tx: Tx, events: WorkplanEvent[], at: Date): Promise<WorkplanEvent[]> {
  await tx.selectFrom("workplan_genesis").select("agreement_id").forUpdate().execute();
  const lamport = await nextLamport(tx);
  for (const e of events) e.lamport = lamport;
  return insertEvents(tx, events, null, at);
}

/** The ids of the proposals these events answer. */
export function answeredProposals(events: readonly WorkplanEvent[]): string[] {
  return events.flatMap((e) => (e.kind === "proposal.accept" || e.kind === "proposal.reject" ? [e.proposalId] : []));
}

export async function proposalsById(db: DbOrTx, ids: readonly string[]): Promise<Map<string, KnownProposal>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("workplan_events")
    .select(["id", "origin", "lamport", "target"])
    .where("kind", "=", "proposal.create")
    .where("id", "in", [...new Set(ids)])
    .execute();
  const byId = new Map<string, KnownProposal>();
  for (const r of rows) {
    const proposal = { id: r.id, origin: r.origin, lamport: Number(r.lamport), target: r.target ?? `proposal:${r.id}` };
    byId.set(r.id, proposal);
  }
  // Looked up by uuid; answers name the proposal as they spelled it.
  for (const id of ids) {
    const hit = byId.get(id.toLowerCase());
    if (hit) byId.set(id, hit);
  }
  return byId;
}

/** Per target, the highest Lamport value `origin` has shown on this node. */
export async function shownLamports(db: DbOrTx, origin: string, targets: readonly string[]) {
  if (targets.length === 0) return new Map<string, number>();
  const rows = await db
    .selectFrom("workplan_events")
    .select(["target", sql<string>`max(lamport)`.as("max")])
    .where("origin", "=", origin)
    .where("target", "in", [...new Set(targets)])
    .groupBy("target")
    .execute();
  return new Map(rows.map((r) => [r.target as string, Number(r.max)]));
}

/** Of these event ids, the ones already stored. */
export async function storedEventIds(db: DbOrTx, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom("workplan_events").select("id").where("id", "in", ids).execute();
  return new Set(rows.map((r) => r.id));
}

export async function nextLamport(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom("workplan_events")
    .select(sql<string | number | null>`max(lamport)`.as("max"))
    .executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}

export async function ownersOf(db: DbOrTx, itemIds: readonly string[]): Promise<Map<string, string>> {
  if (itemIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("workplan_items")
    .select(["item_id", "owner"])
    .where("item_id", "in", itemIds)
    .execute();
  return new Map(rows.map((r) => [r.item_id, r.owner]));
}

export async function countEvents(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom("workplan_events")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** This node's events that no envelope carries yet, oldest first. */
export async function loadUnsent(db: DbOrTx, origin: string, limit: number): Promise<WorkplanEvent[]> {
  const rows = await db
    .selectFrom("workplan_events")
    .select("body")
    .where("envelope_id", "is", null)
    .where("origin", "=", origin)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((r) => (typeof r.body === "string" ? JSON.parse(r.body) : r.body) as WorkplanEvent);
}

/** Claim events for an envelope; the count tells whether another process claimed some first. */
export async function markSent(db: DbOrTx, ids: readonly string[], envelopeId: string): Promise<number> {
  const result = await db
    .updateTable("workplan_events")
    .set({ envelope_id: envelopeId })
    .where("id", "in", ids)
    .where("envelope_id", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
