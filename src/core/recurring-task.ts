/**
 * Runs `work` every `intervalMs`, never two runs at once: a tick that comes while one runs is skipped, not queued.
 * A failed run goes to `onError` and the next tick runs as usual. `stop()` ends the ticks and waits for a run in
 * progress, so what the work uses (a database) can be closed after it. The timer does not keep the process alive.
 */
export class RecurringTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.work()
        .then(() => {}, this.onError)
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
