/**
 * The node's precursor watchlist: companies, people and addresses its competent authority watches, and the
 * companies named in earlier incidents. It owns `precursors_watchlist` and the in-memory index every
 * notification sent or received is matched against (`flagsFor`, the WatchlistPort the notifications service
 * calls, from memory, also inside the inbox transaction). It runs locally and never crosses the border: no
 * envelope carries it, and only this party's own authority may read or edit it (policies/access/
 * precursors-watchlist.cedar). Every edit is an audited change; the index follows after commit.
 */
import type { Clock } from "../../core/clock.ts";
import { notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { Principal } from "../identity/principal.ts";
import type { Authorizer } from "../policy/policy.types.ts";
import { normaliseName, type WatchedKind } from "./precursors.names.ts";
import {
  findWatchedName,
  incidentCount,
  incidentsSince,
  insertWatchedName,
  listWatchedNames,
  liveWatchedNames,
  removeWatchedName,
  type WatchlistRow,
  watchlistChangesSince,
  watchlistState,
} from "./precursors.watchlist.repository.ts";
import type { WatchlistEntryRequest, WatchlistEntryView } from "./precursors.watchlist.schema.ts";
import { DEFAULT_MATCH_THRESHOLD, type WatchedName, WatchlistIndex } from "./precursors.watchlist-index.ts";
import type { WatchlistFlag, WatchlistPort, WatchlistSubject } from "./precursors.watchlist-port.ts";

export interface WatchlistDeps {
  db: Db;
  clock: Clock;
  party: string;
  changes: ChangeRunner;
  policy: Authorizer;
  /** Dice's coefficient at or above which a name is flagged (default 0.8). */
  threshold?: number | undefined;
}

const NOT_FOUND = {
  code: "LIAISON_PRECURSORS_WATCHLIST_ENTRY_NOT_FOUND",
  message: "no such watchlist entry",
} as const;

export class WatchlistService implements WatchlistPort {
  private readonly index: WatchlistIndex;
  private readonly threshold: number;
  /** The highest `version` of this node's rows the index reflects. */
  private version = 0;
  /** The last incident whose names are in the index, and how many incidents that makes. */
  private lastIncident: string | undefined;
  private incidentsSeen = 0;
  private incidentNames = 0;

  constructor(private readonly deps: WatchlistDeps) {
    this.threshold = deps.threshold ?? DEFAULT_MATCH_THRESHOLD;
    this.index = new WatchlistIndex({ minThreshold: Math.min(this.threshold, DEFAULT_MATCH_THRESHOLD) });
  }

  /** Live names in the index (entries and incident names). */
  get size(): number {
    return this.index.size;
  }

  /** Load every live entry and every incident's names, ranking trigrams once over all of them. */
  async start(): Promise<void> {
    const [rows, state, incidents] = await Promise.all([
      liveWatchedNames(this.deps.db),
      watchlistState(this.deps.db),
      incidentsSince(this.deps.db, undefined),
    ]);
    const named = incidents.flatMap(namesOfIncident);
    this.index.replaceAll([...rows.map(watchedNameOf), ...named]);
    this.version = Math.max(state.version, ...rows.map((r) => r.version));
    this.lastIncident = incidents.at(-1)?.id;
    this.incidentsSeen = incidents.length;
    this.incidentNames = named.length;
  }

  /**
   * Catch up with edits made by other processes on the same database, and with incidents sent or received
   * since (a recurring task; the index answers from memory meanwhile). A row whose version, or an incident whose
   * id, was taken before one already seen but committed after it is missed by reading only what is newer, so
   * when the counts still disagree the index is reloaded whole.
   */
  async refresh(): Promise<void> {
    for (const row of await watchlistChangesSince(this.deps.db, this.version)) {
      if (row.removed_at) this.index.remove(row.id);
      else this.index.add(watchedNameOf(row));
      this.version = Math.max(this.version, row.version);
    }
    const incidents = await incidentsSince(this.deps.db, this.lastIncident);
    for (const incident of incidents) {
      for (const name of namesOfIncident(incident)) {
        this.index.add(name);
        this.incidentNames++;
      }
    }
    this.lastIncident = incidents.at(-1)?.id ?? this.lastIncident;
    this.incidentsSeen += incidents.length;
    const [state, count] = await Promise.all([watchlistState(this.deps.db), incidentCount(this.deps.db)]);
    if (count !== this.incidentsSeen || state.live + this.incidentNames !== this.index.size) await this.start();
  }

  /** Matches of a notification's parties (names against companies or people, addresses against addresses). */
  async flagsFor(subjects: readonly WatchlistSubject[]): Promise<WatchlistFlag[]> {
    const flags: WatchlistFlag[] = [];
    subjects.forEach((subject, i) => {
      const tried: [WatchlistFlag["matched"], string, WatchedKind][] = [
        ["name", subject.name, subject.naturalPerson ? "person" : "company"],
      ];
      if (subject.address) tried.push(["address", subject.address, "address"]);
      for (const [matched, text, kind] of tried) {
        for (const { entry, score } of this.index.match(text, kind, this.threshold)) {
          flags.push({
            subject: i,
            ...(subject.role ? { role: subject.role } : {}),
            matched,
            text,
            entry: { id: entry.id, kind: entry.kind, text: entry.text, reason: entry.reason },
            score,
          });
        }
      }
    });
    return flags;
  }

  /** The same matching for a reader of the watchlist (the form's live check before sending). */
  async check(principal: Principal, subjects: readonly WatchlistSubject[]): Promise<WatchlistFlag[]> {
    await this.authorize(principal, "precursor.watchlist.read", "check", false);
    return this.flagsFor(subjects);
  }

  async list(
    principal: Principal,
    query: {
      kind?: WatchedKind | undefined;
      q?: string | undefined;
      includeRemoved?: boolean | undefined;
      limit: number;
      cursor?: string | undefined;
    },
  ) {
    await this.authorize(principal, "precursor.watchlist.read", "list", false);
    const rows = await listWatchedNames(this.deps.db, {
      kind: query.kind,
      contains: query.q ? normaliseName(query.q, query.kind ?? "company") : undefined,
      includeRemoved: query.includeRemoved,
      before: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(viewOf),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
      watched: this.index.size,
    };
  }

  async add(principal: Principal, input: WatchlistEntryRequest): Promise<WatchlistEntryView> {
    await this.authorize(principal, "precursor.watchlist.edit", "new", false);
    const row = await this.deps.changes.run(async (change) => {
      const inserted = await insertWatchedName(change.tx, {
        id: uuidv7(),
        kind: input.kind,
        text: input.text,
        normalised: normaliseName(input.text, input.kind),
        reason: input.reason,
        added_by: principal.id,
        created_at: change.at,
      });
      // The text and reason are the node's own intelligence: the audit record names the entry, not its content.
      change.audit({
        actor: principal.id,
        action: "precursor.watchlist.add",
        subject: inserted.id,
        outcome: "success",
        requestId: principal.requestId,
        details: { kind: input.kind },
      });
      return inserted;
    });
    this.index.add(watchedNameOf(row));
    this.version = Math.max(this.version, row.version);
    return viewOf(row);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.authorize(principal, "precursor.watchlist.edit", id);
    const removed = await this.deps.changes.run(async (change) => {
      const row = await removeWatchedName(change.tx, id, principal.id, change.at);
      if (!row) throw notFound(NOT_FOUND.code, NOT_FOUND.message);
      change.audit({
        actor: principal.id,
        action: "precursor.watchlist.remove",
        subject: id,
        outcome: "success",
        requestId: principal.requestId,
        details: { kind: row.kind },
      });
      return row;
    });
    this.index.remove(id);
    this.version = Math.max(this.version, removed.version);
  }

  async get(principal: Principal, id: string): Promise<WatchlistEntryView> {
    await this.authorize(principal, "precursor.watchlist.read", id);
    const row = await findWatchedName(this.deps.db, id);
    if (!row) throw notFound(NOT_FOUND.code, NOT_FOUND.message);
    return viewOf(row);
  }

  /**
   * Every refusal is audited (the one path). For one entry, a refusal looks exactly like a missing id: which
   * names this authority watches is nobody else's business.
   */
  private async authorize(
    principal: Principal,
    action: "precursor.watchlist.read" | "precursor.watchlist.edit",
    id: string,
    hideExistence = true,
  ): Promise<void> {
    await this.deps.policy.authorize(
      principal,
      action,
      { type: "precursor-watchlist", id, attributes: { party: this.deps.party } },
      hideExistence ? { hideExistence: NOT_FOUND } : {},
    );
  }
}

const INCIDENT_KINDS: Record<string, WatchedKind> = { organisation: "company", person: "person", address: "address" };

/**
 * The companies, people and addresses an incident names, as watched names: "the companies named in earlier
 * incidents" of the issue. The reason names the incident, which its own read rules still guard.
 */
export function namesOfIncident(incident: {
  id: string;
  kind: string;
  occurredOn: string;
  entities: unknown;
}): WatchedName[] {
  const entities = typeof incident.entities === "string" ? JSON.parse(incident.entities) : incident.entities;
  if (!Array.isArray(entities)) return [];
  const names: WatchedName[] = [];
  entities.forEach((entity: { type?: string; name?: string; lines?: string[] }, n) => {
    const kind = INCIDENT_KINDS[entity.type ?? ""];
    const text = kind === "address" ? entity.lines?.join(", ") : entity.name;
    if (!kind || !text) return;
    names.push({
      id: `incident:${incident.id}:${n}`,
      kind,
      text,
      reason: `named in the ${incident.kind} incident of ${incident.occurredOn} (${incident.id})`,
    });
  });
  return names;
}

function watchedNameOf(row: WatchlistRow): WatchedName {
  return { id: row.id, kind: row.kind, text: row.text, reason: row.reason };
}

function viewOf(row: WatchlistRow): WatchlistEntryView {
  return {
    id: row.id,
    kind: row.kind,
    text: row.text,
    normalised: row.normalised,
    reason: row.reason,
    addedBy: row.added_by,
    createdAt: row.created_at,
    removedBy: row.removed_by,
    removedAt: row.removed_at,
  };
}
