/**
 * Runs at most `limit` tasks at once; the rest wait their turn in arrival order. A task's failure is its
 * caller's and frees its slot like a success.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`a concurrency limit must be at least 1, not ${limit}`);
  }

  /** Tasks running now and waiting to start: what the limit holds back. */
  get pending(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((start) => this.waiting.push(start));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next in line, so a newcomer cannot take it in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
