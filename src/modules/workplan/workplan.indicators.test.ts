import { describe, expect, it } from "vitest";
import { laneIndicators } from "./workplan.indicators.ts";

describe("workplan indicators from exchange statistics", () => {
  it("sums deadlines met and breached over priorities, per lane", () => {
    expect(
      laneIndicators([
        { lane: "drugs", deadlines: { met: 3, breached: 1 } },
        { lane: "cyber", deadlines: { met: 0, breached: 2 } },
        { lane: "drugs", deadlines: { met: 2, breached: 0 } },
      ]),
    ).toEqual([
      { lane: "cyber", due: 2, answeredOnTime: 0 },
      { lane: "drugs", due: 6, answeredOnTime: 5 },
    ]);
  });
});
