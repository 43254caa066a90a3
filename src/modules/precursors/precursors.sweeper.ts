import type { Logger } from "pino";
import { uuidv7 } from "../../core/ids.ts";
import { RecurringTask } from "../../core/recurring-task.ts";
import { dueReminders } from "../exchange/exchange.deadlines.ts";
import { noReplyEventId } from "./precursors.history.ts";
import {
  existingReminders,
  insertEvent,
  insertReminders,
  listAwaiting,
  type PrecursorRemindersTable,
} from "./precursors.repository.ts";
import type { PrecursorsService } from "./precursors.service.ts";

/**
 * The reply clock of notifications, on both nodes. Before `replyBy` the importing authority is reminded at 50%
 * and 90% of the time it was given; once it passes unanswered, the node records the version's no-reply event
 * (the same id and time on both nodes, so both histories hold it without anything crossing) and tells its
 * authority: the exporter that silence is not consent, the importer that its time ran out. Idempotent: the event
 * id and the reminders are unique, and a notification that is no-reply is no longer swept, so a quiet sweep
 * writes nothing, and two processes sweeping at once record and tell once.
 */
export class PrecursorSweeper {
  private readonly task = new RecurringTask(
    () => this.sweep(),
    (error) => this.logger?.error({ err: error }, "precursor deadline sweep failed"),
  );

  constructor(
    private readonly service: PrecursorsService,
    private readonly logger?: Logger,
  ) {}

  /** How many reminders were written and how many versions were recorded as no-reply. */
  async sweep(): Promise<{ reminders: number; noReplies: number }> {
    const { db, clock, changes } = this.service.deps;
    const now = clock.now();
    const open = await listAwaiting(db);
    const reminders: PrecursorRemindersTable[] = [];
    const lapsed: typeof open = [];
    for (const n of open) {
      const inbound = n.direction === "inbound";
      const authority = inbound ? (n.to_agency ?? "authority") : n.from_agency;
      if (now > n.reply_by) {
        lapsed.push(n);
        reminders.push({
          id: uuidv7(now.getTime()),
          notification_id: n.id,
          kind: `no-reply:v${n.version}`,
          recipient: authority,
          text: inbound
            ? `${n.reference}: the time to answer ${n.exporter_party}'s notification passed at ${n.reply_by.toISOString()} without an answer from this party`
            : `${n.reference}: ${n.importer_party} did not answer by ${n.reply_by.toISOString()}; no reply is not consent`,
          created_at: now,
        });
        continue;
      }
      if (!inbound) continue;
      for (const due of dueReminders("respond", n.clock_started_at, n.reply_by, now)) {
        reminders.push({
          id: uuidv7(now.getTime()),
          notification_id: n.id,
          kind: `reply-${due.kind.replace("respond-", "")}:v${n.version}`,
          recipient: authority,
          text: `${n.reference}: ${due.text.replace("to respond", "to answer the pre-export notification")}`,
          created_at: now,
        });
      }
    }
    const seen = new Set(
      (await existingReminders(db, [...new Set(reminders.map((r) => r.notification_id))])).map(
        (r) => `${r.notification_id}:${r.kind}:${r.recipient}`,
      ),
    );
    const fresh = reminders.filter((r) => !seen.has(`${r.notification_id}:${r.kind}:${r.recipient}`));
    if (fresh.length === 0 && lapsed.length === 0) return { reminders: 0, noReplies: 0 };
    return changes.run(async (change) => {
      let noReplies = 0;
      for (const n of lapsed) {
        const id = noReplyEventId(n.id, n.version);
        const inserted = await insertEvent(change.tx, {
          id,
          notification_id: n.id,
          type: "no-reply",
          // Just after the deadline, so a reply dated at the deadline itself still counts.
          at: new Date(n.reply_by.getTime() + 1),
          by_role: "system",
          by_party: null,
          actor: null,
          version: n.version,
          details: { replyBy: n.reply_by.toISOString() },
          envelope_id: null,
          recorded_at: change.at,
        });
        if (inserted) noReplies++;
        await this.service.replayInto(change.tx, n.id, change.at);
      }
      const written = await insertReminders(change.tx, fresh);
      change.audit({
        actor: "system:precursor-sweeper",
        action: "precursor.deadline.sweep",
        outcome: "success",
        details: {
          noReply: lapsed.map((n) => `${n.id}:v${n.version}`),
          reminders: fresh.map((r) => `${r.notification_id}:${r.kind}:${r.recipient}`),
        },
      });
      return { reminders: written, noReplies };
    });
  }

  start(intervalMs: number): void {
    this.task.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
