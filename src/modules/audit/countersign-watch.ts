/**
 * Says so when this node's history stops being witnessed. For each pinned peer, the oldest leaf beyond the newest
 * head that peer countersigned (witnessing's own bookkeeping aside: no head is signed for it) should have reached
 * the peer in a head within a minute and come back countersigned within seconds; once it is older than the
 * configured age (default 1 hour) the node raises an alert: `liaison_audit_countersignature_overdue{peer}` is 1,
 * an error line is logged, and an `audit.alert` leaf and an alert row of kind `countersignature-overdue` are
 * recorded, once per episode. When the peer countersigns again, one `audit.countersignature.recovered` leaf and a
 * `countersignature-recovered` row close it. Where an episode stands is read from the alert rows, not kept in
 * memory, so a restart or a second process does not raise it again.
 */
import { sql } from "kysely";
import type { Logger } from "pino";
import { type Counter, Gauge } from "prom-client";
import type { Clock } from "../../core/clock.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { Metrics } from "../../core/metrics.ts";
import { RecurringTask } from "../../core/recurring-task.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db, DbOrTx } from "../../db/database.ts";
import type { PeerDirectory } from "../federation/peers.service.ts";
import { insertAlert, lastCountersignature, latestAlertOf, oldestPendingLeaf } from "./witness.repository.ts";

export const OVERDUE_KIND = "countersignature-overdue";
export const RECOVERED_KIND = "countersignature-recovered";

export interface CountersignatureWatchDeps {
  db: Db;
  clock: Clock;
  party: string;
  peers: PeerDirectory;
  changes: ChangeRunner;
  metrics: Metrics;
  logger: Logger;
  /** The witnessing alerts counter (witness.service.ts): an overdue episode counts there as one alert. */
  alertsTotal: Counter<"peer" | "kind">;
  maxAgeMs: number;
  intervalMs: number;
}

export interface PeerWitnessState {
  peer: string;
  /** Size of the newest head the peer countersigned (0: none). */
  countersignedSize: number;
  /** The oldest leaf that size leaves uncovered, if any. */
  pending: { index: number; at: Date } | null;
  overdue: boolean;
  /** What this check recorded: the start of an episode, its end, or nothing. */
  recorded: "alert" | "recovered" | null;
}

/** Thrown inside the change to roll it back when another process recorded the transition first. */
class AlreadyRecorded extends Error {}

export class CountersignatureWatch {
  private readonly task = new RecurringTask(
    () => this.check(),
    (error) => this.deps.logger.error({ err: error }, "checking that the audit log is countersigned failed"),
  );
  private readonly overdueGauge: Gauge<"peer">;
  private readonly ageGauge: Gauge<"peer">;

  constructor(private readonly deps: CountersignatureWatchDeps) {
    this.overdueGauge = new Gauge({
      name: "liaison_audit_countersignature_overdue",
      help: "1 while this node's recorded events have waited longer than the configured age for the peer's countersignature",
      labelNames: ["peer"],
      registers: [deps.metrics.registry],
    });
    this.ageGauge = new Gauge({
      name: "liaison_audit_uncountersigned_seconds",
      help: "Age of the oldest recorded event the peer has not countersigned yet (0 when all are)",
      labelNames: ["peer"],
      registers: [deps.metrics.registry],
    });
  }

  async check(): Promise<PeerWitnessState[]> {
    const { db, clock, peers, maxAgeMs } = this.deps;
    const states: PeerWitnessState[] = [];
    for (const peer of peers.list()) {
      const countersignedSize = Number((await lastCountersignature(db, peer.party))?.tree_size ?? 0);
      const row = await oldestPendingLeaf(db, countersignedSize);
      const pending = row ? { index: Number(row.index), at: new Date(row.at) } : null;
      const ageMs = pending ? Math.max(0, clock.now().getTime() - pending.at.getTime()) : 0;
      const overdue = ageMs > maxAgeMs;
      this.ageGauge.set({ peer: peer.party }, ageMs / 1000);
      this.overdueGauge.set({ peer: peer.party }, overdue ? 1 : 0);
      const state: PeerWitnessState = { peer: peer.party, countersignedSize, pending, overdue, recorded: null };
      if (overdue !== (await this.episodeOpen(db, peer.party))) state.recorded = await this.transition(state);
      states.push(state);
    }
    return states;
  }

  private async episodeOpen(db: DbOrTx, peer: string): Promise<boolean> {
    return (await latestAlertOf(db, peer, [OVERDUE_KIND, RECOVERED_KIND]))?.kind === OVERDUE_KIND;
  }

  /** Record the start or the end of an episode, once whatever the number of processes (an advisory lock). */
  private async transition(state: PeerWitnessState): Promise<"alert" | "recovered" | null> {
    const { party, maxAgeMs } = this.deps;
    const { peer, overdue, pending, countersignedSize } = state;
    const kind = overdue ? OVERDUE_KIND : RECOVERED_KIND;
    const detail = overdue
      ? `leaf ${pending?.index} (recorded ${pending?.at.toISOString()}) has waited more than ${maxAgeMs / 1000} s for a countersignature from ${peer}; the newest covers ${countersignedSize} leaves`
      : `${peer} countersigned again: the newest countersignature covers ${countersignedSize} leaves`;
    try {
      await this.deps.changes.run(async (change) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`liaison-countersign-watch:${peer}`}))`.execute(change.tx);
        if ((await this.episodeOpen(change.tx, peer)) === overdue) throw new AlreadyRecorded();
        await insertAlert(change.tx, { id: uuidv7(), at: change.at, peer, kind, tree_size: countersignedSize, detail });
        change.audit({
          actor: `node:${party}`,
          action: overdue ? "audit.alert" : "audit.countersignature.recovered",
          subject: peer,
          outcome: overdue ? "failure" : "success",
          details: {
            kind,
            treeSize: countersignedSize,
            detail,
            ...(pending ? { pendingIndex: pending.index, pendingSince: pending.at.toISOString() } : {}),
          },
        });
      });
    } catch (error) {
      if (error instanceof AlreadyRecorded) return null;
      throw error;
    }
    if (overdue) {
      this.deps.alertsTotal.inc({ peer, kind });
      this.deps.logger.error({ peer, kind, treeSize: countersignedSize, detail }, "audit witnessing alert");
      return "alert";
    }
    this.deps.logger.info({ peer, treeSize: countersignedSize }, "audit log countersigned again by the peer");
    return "recovered";
  }

  start(): void {
    this.task.start(this.deps.intervalMs);
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
