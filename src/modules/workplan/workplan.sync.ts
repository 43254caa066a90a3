import type { Logger } from "pino";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { FederationService } from "../federation/federation.service.ts";
import { loadUnsent, markSent } from "./workplan.repository.ts";

export const WORKPLAN_ENVELOPE_TYPE = "workplan.events";
/** Events per envelope: well under the federation's envelope size limit. */
const EVENTS_PER_ENVELOPE = 500;

export interface WorkplanSyncDeps {
  db: Db;
  party: string;
  changes: ChangeRunner;
  federation: FederationService;
  peer(): Promise<string | undefined>;
  logger?: Logger | undefined;
}

/**
 * Carries this node's events to the peer. Events are stored unsent; `flush` seals them into `workplan.events`
 * envelopes (up to 500 events each) and hands those to the outbox, but only while no earlier workplan envelope
 * is still waiting for delivery. Connected, that is one envelope per change, sent at once. Cut off, changes pile
 * up as rows, not as thousands of envelopes, and the first delivery after the link heals lets the whole backlog
 * go in a few envelopes: a long partition heals in seconds, not in the time to drain one envelope per item.
 */
export class WorkplanSync {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: WorkplanSyncDeps) {}

  /** Look for a backlog every `intervalMs` (a delivered envelope frees the way; nothing signals it). */
  start(intervalMs = 100): void {
    this.timer ??= setInterval(() => void this.flush().catch((error) => this.report(error)), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One flush at a time in this process; a call during one makes it go round again. */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.flushOnce();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async flushOnce(): Promise<void> {
    const { db, party, changes, federation } = this.deps;
    const peer = await this.deps.peer();
    if (!peer || (await federation.hasPendingEnvelope(peer, WORKPLAN_ENVELOPE_TYPE))) return;
    for (;;) {
      const events = await loadUnsent(db, party, EVENTS_PER_ENVELOPE);
      if (events.length === 0) return;
      const sealed = await federation.prepare(peer, WORKPLAN_ENVELOPE_TYPE, { events });
      const ids = events.map((e) => e.id);
      const claimed = await changes
        .run(async (change) => {
          // Another process of this node may have sealed some of them: then drop this envelope and look again.
          if ((await markSent(change.tx, ids, sealed.envelopeId)) !== ids.length) throw new SealRace();
          change.send(sealed);
          change.audit({
            actor: `node:${party}`,
            action: "workplan.events.send",
            subject: sealed.envelopeId,
            outcome: "success",
            details: { to: peer, events: ids.length, digest: sealed.digest },
          });
          return true;
        })
        .catch((error) => {
          if (error instanceof SealRace) return false;
          throw error;
        });
      if (!claimed) continue;
      if (events.length < EVENTS_PER_ENVELOPE) return;
    }
  }

  private report(error: unknown): void {
    this.deps.logger?.warn({ err: error }, "workplan: sealing events for the peer failed; will retry");
  }
}

class SealRace extends Error {}
