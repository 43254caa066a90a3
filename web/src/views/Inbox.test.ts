import { describe, expect, it } from "vitest";
import type { ThreadSummary } from "../api/contract.ts";
import { filterAndSort } from "./Inbox.tsx";

const lanes = ["drugs", "cyber", "security"];
const threads: ThreadSummary[] = Array.from({ length: 10_000 }, (_, i) => ({
  id: `0190${String(i).padStart(4, "0")}-0000-7000-8000-000000000000`,
  subject: `Thread ${i}`,
  lane: lanes[i % 3] as string,
  priority: i % 7 === 0 ? "urgent" : "routine",
  direction: "inbound",
  peer: "CA",
  fromAgency: null,
  toAgency: null,
  assignedAgency: null,
  assignee: null,
  startedAt: "2026-06-01T00:00:00.000Z",
  msLeft: null,
  tlp: "TLP:AMBER",
  deadlines: {
    acknowledgeBy: null,
    respondBy: i % 100 === 0 ? null : new Date(Date.UTC(2026, 5, 1) + ((i * 7919) % 10_000) * 60_000).toISOString(),
    acknowledgedAt: null,
    respondedAt: null,
  },
}));

describe("inbox ordering and filters over 10,000 threads", () => {
  it("sorts by the deadline that comes first, threads without one last", () => {
    const started = performance.now();
    const sorted = filterAndSort(threads, { lane: "", priority: "", search: "" });
    expect(performance.now() - started).toBeLessThan(500);
    const dues = sorted.map((t) => t.deadlines.respondBy);
    const dated = dues.filter((d): d is string => d !== null);
    expect(dated).toEqual([...dated].sort());
    expect(dues.slice(dated.length).every((d) => d === null)).toBe(true);
  });

  it("filters by lane, priority and text", () => {
    const urgentCyber = filterAndSort(threads, { lane: "cyber", priority: "urgent", search: "" });
    expect(urgentCyber.length).toBeGreaterThan(0);
    expect(urgentCyber.every((t) => t.lane === "cyber" && t.priority === "urgent")).toBe(true);
    expect(filterAndSort(threads, { lane: "", priority: "", search: "thread 9999" }).map((t) => t.subject)).toEqual([
      "Thread 9999",
    ]);
  });
});
