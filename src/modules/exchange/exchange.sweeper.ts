import type { Logger } from "pino";
import { uuidv7 } from "../../core/ids.ts";
import { RecurringTask } from "../../core/recurring-task.ts";
import { dueReminders } from "./exchange.deadlines.ts";
import type { ExchangeService } from "./exchange.service.ts";

/**
 * Deadline reminders: at 50% and 90% of each clock, and a breach notice, to the assigned officer and to the
 * liaison officers (`role:liaison-officer`). Idempotent: a notification is unique by (thread, kind, recipient),
 * so a sweep that runs twice, or on two processes at once, notifies once.
 */
export class DeadlineSweeper {
  private readonly task = new RecurringTask(
    () => this.sweep(),
    (error) => this.logger?.error({ err: error }, "deadline sweep failed"),
  );

  constructor(
    private readonly service: ExchangeService,
    private readonly logger?: Logger,
  ) {}

  async sweep(): Promise<number> {
    const { db, clock, changes } = this.service.deps;
    const now = clock.now();
    // Only threads this node must answer, with a clock still running.
    const open = await db
      .selectFrom("exchange_threads")
      .select([
        "id",
        "subject",
        "assignee",
        "started_at",
        "acknowledge_by",
        "respond_by",
        "acknowledged_at",
        "responded_at",
      ])
      .where("direction", "=", "inbound")
      .where((eb) =>
        eb.or([
          eb.and([eb("acknowledged_at", "is", null), eb("acknowledge_by", "is not", null)]),
          eb.and([eb("responded_at", "is", null), eb("respond_by", "is not", null)]),
        ]),
      )
      .execute();
    const rows: {
      id: string;
      recipient: string;
      thread_id: string;
      kind: string;
      text: string;
      created_at: Date;
      read_at: null;
    }[] = [];
    for (const t of open) {
      const due = [
        ...(t.acknowledge_by && !t.acknowledged_at
          ? dueReminders("acknowledge", t.started_at, t.acknowledge_by, now)
          : []),
        ...(t.respond_by && !t.responded_at ? dueReminders("respond", t.started_at, t.respond_by, now) : []),
      ];
      const recipients = ["role:liaison-officer", ...(t.assignee ? [t.assignee] : [])];
      for (const d of due) {
        for (const recipient of recipients) {
          rows.push({
            id: uuidv7(now.getTime()),
            recipient,
            thread_id: t.id,
            kind: d.kind,
            text: `${t.subject}: ${d.text}`,
            created_at: now,
            read_at: null,
          });
        }
      }
    }
    if (rows.length === 0) return 0;
    // Skip what was already sent, so a quiet sweep writes nothing (not even an audit leaf).
    const sent = await db
      .selectFrom("exchange_notifications")
      .select(["thread_id", "kind", "recipient"])
      .where("thread_id", "in", [...new Set(rows.map((r) => r.thread_id))])
      .execute();
    const seen = new Set(sent.map((r) => `${r.thread_id}:${r.kind}:${r.recipient}`));
    const fresh = rows.filter((r) => !seen.has(`${r.thread_id}:${r.kind}:${r.recipient}`));
    if (fresh.length === 0) return 0;
    return changes.run(async (change) => {
      const inserted = await change.tx
        .insertInto("exchange_notifications")
        .values(fresh)
        .onConflict((oc) => oc.columns(["thread_id", "kind", "recipient"]).doNothing())
        .returning(["thread_id", "kind", "recipient"])
        .execute();
      change.audit({
        actor: "system:deadline-sweeper",
        action: "exchange.deadline.notify",
        outcome: "success",
        details: { notifications: inserted.map((r) => `${r.thread_id}:${r.kind}:${r.recipient}`) },
      });
      return inserted.length;
    });
  }

  start(intervalMs: number): void {
    this.task.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
