import { describe, expect, it } from "vitest";
import { ConcurrencyLimit } from "./concurrency-limit.ts";

const tick = () => new Promise((r) => setImmediate(r));

describe("ConcurrencyLimit", () => {
  it("runs at most the limit at once, the rest in arrival order, and every task to completion", async () => {
    const limit = new ConcurrencyLimit(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const results = Array.from({ length: 10 }, (_, i) =>
      limit.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((release) => releases.push(release));
        running--;
        return i * 2;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect(limit.pending).toEqual({ active: 3, waiting: 7 });
    while (releases.length > 0) {
      releases.shift()?.();
      await tick();
    }
    expect(await Promise.all(results)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(limit.pending).toEqual({ active: 0, waiting: 0 });
  });

  it("frees the slot of a task that fails and passes the failure to its caller", async () => {
    const limit = new ConcurrencyLimit(1);
    const failed = limit.run(async () => {
      throw new Error("refused");
    });
    const next = limit.run(async () => "next");
    await expect(failed).rejects.toThrow("refused");
    await expect(next).resolves.toBe("next");
    expect(limit.pending).toEqual({ active: 0, waiting: 0 });
  });

  it("refuses a limit below one", () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });
});
