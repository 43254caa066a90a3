import { createHash } from "node:crypto";
import {
  apply,
  type LifecycleEvent,
  type LifecycleRefusal,
  type NotificationState,
  refusalOf,
  statusAt,
} from "./precursors.lifecycle.ts";
import { nameTokens, normaliseName } from "./precursors.names.ts";
import { normaliseQuantity } from "./precursors.quantity.ts";
import type { PrecursorEventsTable, PrecursorNotificationsTable } from "./precursors.repository.ts";
import type { NotificationContent } from "./precursors.schema.ts";
import type { WatchlistSubject } from "./precursors.watchlist-port.ts";

/**
 * From stored events to what a reader sees. Both nodes hold the same events (same ids, same times) and replay
 * them here in the same order, so they show the same status and the same history, whichever order the steps
 * arrived in. The row's state columns are this replay, written back after every step for lists to filter on.
 */

type EventRow = Pick<PrecursorEventsTable, "id" | "type" | "at" | "by_role" | "by_party" | "actor" | "version"> & {
  details: unknown;
};

/** The lifecycle's view of a stored event. */
export function lifecycleEventOf(row: EventRow): LifecycleEvent {
  const d = row.details as Record<string, unknown>;
  switch (row.type) {
    case "sent":
      return { type: "sent", at: row.at, by: "exporter", replyBy: new Date(d.replyBy as string) };
    case "amended":
      return { type: "amended", at: row.at, by: "exporter", replyBy: new Date(d.replyBy as string) };
    case "withdrawn":
      return { type: "withdrawn", at: row.at, by: "exporter", reason: String(d.reason ?? "") };
    case "replied":
      return {
        type: "replied",
        at: row.at,
        by: "importer",
        reply: d.reply as "no-objection",
        version: row.version,
      };
    case "shipment":
      return {
        type: "shipment",
        at: row.at,
        by: row.by_role === "importer" ? "importer" : "exporter",
        state: d.state as "dispatched",
      };
    default:
      return { type: "no-reply", at: row.at, by: "system", version: row.version };
  }
}

export interface Replayed {
  state: NotificationState;
  /** Per event id: why it did not apply, when it did not. */
  refused: Map<string, LifecycleRefusal>;
  /** The content, bases and clock start of the last applied send or amendment. */
  content: NotificationContent;
  legalBases: string[];
  clockStartedAt: Date;
}

/** Replays events already in order (the repository's `at, id`). The first must be the send. */
export function replayRows(rows: readonly EventRow[]): Replayed {
  let state: NotificationState | undefined;
  const refused = new Map<string, LifecycleRefusal>();
  let content: NotificationContent | undefined;
  let legalBases: string[] = [];
  let clockStartedAt: Date | undefined;
  for (const row of rows) {
    const event = lifecycleEventOf(row);
    const refusal = refusalOf(state, event);
    if (refusal) {
      refused.set(row.id, refusal);
      continue;
    }
    state = apply(state, event);
    if (row.type === "sent" || row.type === "amended") {
      const d = row.details as { content: NotificationContent; legalBases: string[] };
      content = d.content;
      legalBases = d.legalBases;
      clockStartedAt = row.at;
    }
  }
  if (!state || !content || !clockStartedAt) throw new Error("a notification's history starts with its send");
  return { state, refused, content, legalBases, clockStartedAt };
}

/** The row's columns that follow from the replay (the rest never changes after the send). */
export function stateColumns(r: Replayed, at: Date) {
  const q = normaliseQuantity(r.content.quantity);
  return {
    reference: r.content.reference,
    cas: r.content.substance.cas,
    content: r.content,
    quantity_dimension: q.dimension,
    quantity_micro: q.micro,
    companies: companiesOf(r.content),
    company_words: companyWordsOf(r.content),
    dispatch_date: r.content.dispatchDate,
    reply_by: r.state.replyBy,
    clock_started_at: r.clockStartedAt,
    version: r.state.version,
    status: r.state.status,
    shipment: r.state.shipment,
    legal_bases: r.legalBases,
    updated_at: at,
  } satisfies Partial<PrecursorNotificationsTable>;
}

/** The names a company filter finds, folded as the watchlist folds them, one per line. */
export function companiesOf(content: NotificationContent): string {
  return [content.exporter, content.importer, content.consignee]
    .filter((p) => p !== undefined)
    .map((p) => normaliseName(p.name, p.naturalPerson ? "person" : "company"))
    .join("\n");
}

/** Every folded word of those names, once each, for the indexed company filter. */
export function companyWordsOf(content: NotificationContent): string[] {
  return [
    ...new Set(
      [content.exporter, content.importer, content.consignee]
        .filter((p) => p !== undefined)
        .flatMap((p) => nameTokens(p.name, p.naturalPerson ? "person" : "company")),
    ),
  ];
}

/** Who the watchlist is asked about: each named party, with its address on one line. */
export function watchlistSubjectsOf(content: NotificationContent): WatchlistSubject[] {
  const roles = [
    ["exporter", content.exporter],
    ["importer", content.importer],
    ["consignee", content.consignee],
  ] as const;
  return roles.flatMap(([role, p]) =>
    p
      ? [
          {
            role,
            name: p.name,
            naturalPerson: p.naturalPerson,
            address: [...p.address.lines, p.address.city, p.address.postcode, p.address.country]
              .filter((part) => part !== undefined && part !== "")
              .join(", "),
          },
        ]
      : [],
  );
}

/**
 * The history as shown, the same on both nodes: every step either side took, applied or not, and the deadline
 * passing where it counted (each node records that one itself; one that did not apply, because a reply in
 * transit turned out to be earlier, is left out so the two histories stay alike).
 */
export function historyOf(rows: readonly EventRow[], replayed: Replayed) {
  return rows
    .filter((row) => row.type !== "no-reply" || !replayed.refused.has(row.id))
    .map((row) => ({
      id: row.id,
      type: row.type as "sent",
      at: row.at,
      by: row.by_role,
      party: row.by_party,
      actor: row.actor,
      version: row.version,
      details: (row.details ?? {}) as Record<string, unknown>,
      applied: !replayed.refused.has(row.id),
      refusal: replayed.refused.get(row.id)?.code ?? null,
    }));
}

/** The read-time status of a row (no-reply past the deadline, whatever the sweeper has or has not recorded). */
export function statusOfRow(
  row: Pick<PrecursorNotificationsTable, "status" | "reply_by" | "version" | "shipment">,
  now: Date,
) {
  return statusAt(
    {
      status: row.status as NotificationState["status"],
      replyBy: row.reply_by,
      version: row.version,
      shipment: row.shipment as NotificationState["shipment"],
    },
    now,
  );
}

/**
 * The id of the no-reply event of one version: derived, not drawn, so both nodes' sweepers record the same
 * event and a second sweep (or a second process) records nothing more. UUID layout, version nibble 8 (custom).
 */
export function noReplyEventId(notificationId: string, version: number): string {
  const hex = createHash("sha256").update(`precursors.no-reply:${notificationId}:${version}`).digest("hex");
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
