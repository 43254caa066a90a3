import { describe, expect, it } from "vitest";
import { backoffSeconds } from "./delivery.worker.ts";

describe("backoffSeconds", () => {
  it("doubles the ceiling per attempt up to the cap", () => {
    const top = () => 0.999999;
    expect(backoffSeconds(1, 0.5, 300, top)).toBeCloseTo(0.5, 3);
    expect(backoffSeconds(2, 0.5, 300, top)).toBeCloseTo(1, 3);
    expect(backoffSeconds(5, 0.5, 300, top)).toBeCloseTo(8, 3);
    expect(backoffSeconds(30, 0.5, 300, top)).toBeCloseTo(300, 3);
  });

  it("applies full jitter: anywhere between zero and the ceiling", () => {
    const samples = Array.from({ length: 2000 }, () => backoffSeconds(4, 0.5, 300));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(4);
    expect(new Set(samples.map((s) => s.toFixed(3))).size).toBeGreaterThan(500);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(1.7);
    expect(mean).toBeLessThan(2.3);
  });
});
