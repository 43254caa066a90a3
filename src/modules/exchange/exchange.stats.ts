import { sql } from "kysely";
import type { Db } from "../../db/database.ts";
import type { Principal } from "../identity/principal.ts";
import type { ExchangeService } from "./exchange.service.ts";

/**
 * `GET /api/v1/exchange/stats` on the one path: `stats.read` (policies/access/exchange.cedar), refused and audited
 * for a principal without an agency or of another party. The figures span every agency, so they hold nothing
 * that any one agency may not see (below).
 */
export async function statsFor(service: ExchangeService, principal: Principal) {
  const { deps } = service;
  await deps.policy.authorize(principal, "stats.read", {
    type: "exchange-stats",
    id: "stats",
    attributes: { party: deps.party },
  });
  return exchangeStats(deps.db, deps.clock.now());
}

/**
 * Exchange statistics per lane and priority, for the workplan's progress reviews and the dashboard: requests
 * sent and received, time to acknowledge and to respond (median, p95, in seconds), deadlines met and breached,
 * and refusals by coded reason. Counts and durations only, never content: any agency user may see them, so a
 * free-text refusal reason (which may name people; it passed the gate for the other party, not for every agency
 * here) is counted under `text`, never shown.
 */
export async function exchangeStats(db: Db, now: Date) {
  const rows = await db
    .selectFrom("exchange_threads as t")
    .innerJoin("exchange_messages as m", (join) =>
      join.onRef("m.thread_id", "=", "t.id").on("m.kind", "=", "request").on("m.refers_to", "is", null),
    )
    .select([
      "t.lane",
      "t.priority",
      sql<number>`count(*) FILTER (WHERE t.direction = 'outbound')`.as("sent"),
      sql<number>`count(*) FILTER (WHERE t.direction = 'inbound')`.as("received"),
      sql<
        number | null
      >`percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.acknowledged_at - t.started_at))`.as(
        "ackMedian",
      ),
      sql<
        number | null
      >`percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM t.acknowledged_at - t.started_at))`.as(
        "ackP95",
      ),
      sql<
        number | null
      >`percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.responded_at - t.started_at))`.as(
        "respondMedian",
      ),
      sql<
        number | null
      >`percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM t.responded_at - t.started_at))`.as(
        "respondP95",
      ),
      sql<number>`count(*) FILTER (WHERE t.responded_at IS NOT NULL AND t.responded_at <= t.respond_by)`.as("met"),
      sql<number>`count(*) FILTER (WHERE coalesce(t.responded_at, ${now}) > t.respond_by)`.as("breached"),
    ])
    .groupBy(["t.lane", "t.priority"])
    .orderBy("t.lane")
    .orderBy("t.priority")
    .execute();
  const refusals = await db
    .selectFrom("exchange_messages as m")
    .innerJoin("exchange_threads as t", "t.id", "m.thread_id")
    .select([
      "t.lane",
      "t.priority",
      sql<string>`coalesce(m.refusal_code, 'text')`.as("code"),
      (eb) => eb.fn.countAll<number>().as("count"),
    ])
    .where("m.kind", "=", "response")
    .where("m.response_type", "=", "refusal")
    .groupBy(["t.lane", "t.priority", sql`coalesce(m.refusal_code, 'text')`])
    .execute();
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    items: rows.map((r) => ({
      lane: r.lane,
      priority: r.priority,
      requests: { sent: Number(r.sent), received: Number(r.received) },
      acknowledgeSeconds: { median: num(r.ackMedian), p95: num(r.ackP95) },
      respondSeconds: { median: num(r.respondMedian), p95: num(r.respondP95) },
      deadlines: { met: Number(r.met), breached: Number(r.breached) },
      refusals: refusals
        .filter((f) => f.lane === r.lane && f.priority === r.priority)
        .map((f) => ({ code: f.code, count: Number(f.count) })),
    })),
  };
}
