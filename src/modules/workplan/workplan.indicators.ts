import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../db/database.ts";
import { exchangeStats } from "../exchange/exchange.stats.ts";
import type { IndicatorSource, LaneIndicator } from "./workplan.service.ts";

type StatsRow = Awaited<ReturnType<typeof exchangeStats>>["items"][number];

/**
 * Requests answered on time per lane, summed over priorities: of the requests whose deadline has come (answered
 * in time, or answered late or not at all by now), how many were answered in time.
 */
export function laneIndicators(rows: readonly Pick<StatsRow, "lane" | "deadlines">[]): LaneIndicator[] {
  const byLane = new Map<string, LaneIndicator>();
  for (const r of rows) {
    const lane = byLane.get(r.lane) ?? { lane: r.lane, due: 0, answeredOnTime: 0 };
    lane.due += r.deadlines.met + r.deadlines.breached;
    lane.answeredOnTime += r.deadlines.met;
    byLane.set(r.lane, lane);
  }
  return [...byLane.values()].sort((a, b) => (a.lane < b.lane ? -1 : 1));
}

/** The exchange's statistics as the workplan's indicators; null (shown as "no exchange data") when there are none. */
export function exchangeIndicators(db: Db, clock: Clock): IndicatorSource {
  return async () => {
    const lanes = laneIndicators((await exchangeStats(db, clock.now())).items).filter((l) => l.due > 0);
    return lanes.length > 0 ? lanes : null;
  };
}
