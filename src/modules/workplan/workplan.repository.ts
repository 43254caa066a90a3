import { type Generated, sql } from "kysely";
import type { DbOrTx } from "../../db/database.ts";
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

/** Whether a workplan envelope to the peer is still waiting for delivery (federation's outbox). */
export async function workplanEnvelopeInFlight(db: DbOrTx, peer: string, type: string): Promise<boolean> {
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
