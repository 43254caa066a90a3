import type { Db } from "../../db/database.ts";
import { countEvents, findGenesis, loadEventsAfter } from "./workplan.repository.ts";
import type { WorkplanEvent } from "./workplan.schema.ts";
import { compareEvents, type Genesis, type PlanState, planFold, planHash } from "./workplan.state.ts";

interface Folded {
  digest: string | null;
  genesis: Genesis | null;
  events: Map<string, WorkplanEvent>;
  last: WorkplanEvent | undefined;
  maxSeq: number;
  state: PlanState;
  apply(e: WorkplanEvent): void;
  hash: string | undefined;
}

/**
 * The plan folded from the database, kept between requests. The set of events only grows, so its size says
 * whether anything changed (another process of the same node may have written); new events that sort after
 * all applied ones extend the fold, anything else (an older event delivered late) refolds from the start.
 * Either way the result is exactly computePlan(genesis, all events).
 */
export class PlanCache {
  private folded: Folded | undefined;
  constructor(private readonly db: Db) {}

  async current(): Promise<{ state: PlanState; events: number; hash(): string }> {
    const [genesisRow, count] = await Promise.all([findGenesis(this.db), countEvents(this.db)]);
    const digest = genesisRow?.digest ?? null;
    let f = this.folded;
    if (!f || f.digest !== digest) f = this.refold(genesisRow?.body ?? null, digest, new Map(), 0);
    if (f.events.size !== count) {
      const { events, maxSeq } = await loadEventsAfter(this.db, f.maxSeq);
      const fresh = events.filter((e) => !f?.events.has(e.id)).sort(compareEvents);
      for (const e of fresh) f.events.set(e.id, e);
      f.maxSeq = maxSeq;
      if (f.events.size !== count) {
        // Arrival numbers are handed out before commit, so one may appear late: read everything again.
        const all = await loadEventsAfter(this.db, 0);
        f = this.refold(f.genesis, digest, new Map(all.events.map((e) => [e.id, e])), all.maxSeq);
      } else if (fresh.length > 0 && (!f.last || compareEvents(fresh[0] as WorkplanEvent, f.last) > 0)) {
        for (const e of fresh) f.apply(e);
        f.last = fresh.at(-1);
        f.hash = undefined;
      } else if (fresh.length > 0) {
        f = this.refold(f.genesis, digest, f.events, f.maxSeq);
      }
    }
    this.folded = f;
    const folded = f;
    return {
      state: folded.state,
      events: folded.events.size,
      hash: () => {
        folded.hash ??= planHash(folded.state);
        return folded.hash;
      },
    };
  }

  private refold(genesis: Genesis | null, digest: string | null, events: Map<string, WorkplanEvent>, maxSeq: number) {
    const fold = planFold(genesis);
    const ordered = [...events.values()].sort(compareEvents);
    for (const e of ordered) fold.apply(e);
    return {
      digest,
      genesis,
      events,
      last: ordered.at(-1),
      maxSeq,
      state: fold.state,
      apply: fold.apply,
      hash: undefined,
    };
  }
}
