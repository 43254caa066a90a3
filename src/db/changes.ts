import { AsyncLocalStorage } from "node:async_hooks";
import type { AuditEvent, ChangeContextOf, SealedEnvelope } from "../core/change.ts";
import type { Clock } from "../core/clock.ts";
import { LiaisonError } from "../core/errors.ts";
import type { Db, Tx } from "./database.ts";

/** A change's context bound to this node's Kysely transaction. */
export type ChangeContext = ChangeContextOf<Tx>;

export interface ChangeWriters {
  appendAudit(tx: Tx, at: Date, events: readonly AuditEvent[]): Promise<void>;
  appendOutbox(tx: Tx, at: Date, envelopes: readonly SealedEnvelope[]): Promise<void>;
  /** Called after commit when envelopes were written, so delivery starts at once. */
  onOutboxCommitted(): void;
  /**
   * Called after every commit: the change's audit records wait, durable, in the queue; this starts making them
   * leaves. Not awaited: the caller's answer does not wait for the log, and whoever reads the log flushes first.
   */
  onAuditQueued(): void;
}

/** Set while a change's transaction is open, for code that must not wait on the database from inside one. */
const openChange = new AsyncLocalStorage<true>();

/**
 * Whether the caller runs inside a change's open transaction. On PGlite (one session) a query through `db`
 * rather than `change.tx` from there waits for that very transaction to end, and so waits forever; a cache
 * that would reload from `db` asks this first and keeps serving what it has.
 */
export function insideChange(): boolean {
  return openChange.getStore() === true;
}

/**
 * Every state change goes through here: the domain rows the caller writes, the outbox rows for the peer and the
 * audit record, in one transaction. Either all of it is committed or none of it, so an action and its record
 * (or its delivery) can never part, whatever crashes.
 */
export class ChangeRunner {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly writers: ChangeWriters,
  ) {}

  /**
   * `recordsNothing: "bookkeeping"` is for the one kind of change that may record nothing: the delivery worker
   * settling a batch in which every envelope is only rescheduled (a retry is an attempt, not an event; its
   * settlement is still written through here so a settled delivery and its record cannot part).
   */
  async run<T>(
    work: (change: ChangeContext) => Promise<T>,
    options: { recordsNothing?: "bookkeeping" } = {},
  ): Promise<T> {
    let wakeDelivery = false;
    const result = await this.db.transaction().execute(async (tx) => {
      const at = this.clock.now();
      const events: AuditEvent[] = [];
      const envelopes: SealedEnvelope[] = [];
      const value = await openChange.run(true, () =>
        work({
          tx,
          at,
          audit: (...e) => void events.push(...e),
          send: (...e) => {
            envelopes.push(...e);
            wakeDelivery = true;
          },
        }),
      );
      if (events.length === 0 && options.recordsNothing !== "bookkeeping") {
        throw new LiaisonError("LIAISON_INTERNAL_UNAUDITED_CHANGE", 500, "a state change must record an audit event");
      }
      await this.writers.appendOutbox(tx, at, envelopes);
      await this.writers.appendAudit(tx, at, events);
      return value;
    });
    if (wakeDelivery) this.writers.onOutboxCommitted();
    this.writers.onAuditQueued();
    return result;
  }
}
