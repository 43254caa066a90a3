import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { RecurringTask } from "./recurring-task.ts";

describe("RecurringTask", () => {
  it("runs on its interval, never two at once, and stop waits for the run in progress", async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const task = new RecurringTask(
      async () => {
        active++;
        most = Math.max(most, active);
        runs++;
        await sleep(35); // longer than the interval: the ticks meanwhile are skipped
        active--;
        finished++;
      },
      () => {},
    );
    task.start(10);
    while (runs < 3) await sleep(5);
    await task.stop();
    expect(most).toBe(1);
    expect(finished).toBe(runs); // stop returned only after the last run ended
    await sleep(40);
    expect(runs).toBe(finished); // and no run started after stop
  });

  it("reports a failed run and keeps ticking", async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const task = new RecurringTask(
      async () => {
        runs++;
        if (runs === 1) throw new Error("first run fails");
      },
      (error) => errors.push(error),
    );
    task.start(5);
    while (runs < 3) await sleep(5);
    await task.stop();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("first run fails");
  });
});
