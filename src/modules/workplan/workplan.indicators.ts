import type { IndicatorSource, LaneIndicator } from "./workplan.service.ts";

/** What the workplan needs of one row of the exchange's statistics (the exchange module answers them). */
interface StatsRow {
  lane: string;
  deadlines: { met: number; breached: number };
}

/**
 * Requests answered on time per lane, summed over priorities: of the requests whose deadline has come (answered
 * in time, or answered late or not at all by now), how many were answered in time.
 */
export function laneIndicators(rows: readonly StatsRow[]): LaneIndicator[] {
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
export function exchangeIndicators(stats: () => Promise<{ items: readonly StatsRow[] }>): IndicatorSource {
  return async () => {
    const lanes = laneIndicators((await stats()).items).filter((l) => l.due > 0);
    return lanes.length > 0 ? lanes : null;
  };
}
