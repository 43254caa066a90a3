/**
 * Precursors module: owns the lane's pre-export notifications (Art. 12(10)(a) of the 1988 Convention, PEN-style)
 * and incidents (PICS-style) between the two parties, their status histories, deadline reminders and this node's
 * watchlist flags on them. The exporting party's competent authority sends; the importing party's answers; either
 * records the shipment. Every outgoing step is a disclosure through the sender's compliance gate and the outbox;
 * the peer's steps arrive as envelopes (precursors.handlers.ts). Both nodes hold the same events and replay them
 * the same way (precursors.history.ts), so they show the same status and history. Silence is never consent:
 * past `replyBy` without an answer the status reads `no-reply`.
 */
import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import { badRequest, conflict, LiaisonError, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { ComplianceGate } from "../compliance/compliance.types.ts";
import type { FederationService } from "../federation/federation.service.ts";
import type { Principal } from "../identity/principal.ts";
import type { Action } from "../policy/policy.service.ts";
import type { Authorizer } from "../policy/policy.types.ts";
import type { PrecursorCatalogue } from "./precursors.catalogue.ts";
import { EVENT_ENVELOPE_TYPE, NOTIFICATION_ENVELOPE_TYPE, type StepDetails } from "./precursors.envelopes.ts";
import { passGate } from "./precursors.gate.ts";
import {
  historyOf,
  lifecycleEventOf,
  replayRows,
  stateColumns,
  statusOfRow,
  watchlistSubjectsOf,
} from "./precursors.history.ts";
import { refusalOf } from "./precursors.lifecycle.ts";
import { nameTokens, normaliseName } from "./precursors.names.ts";
import {
  findNotification,
  findNotificationForUpdate,
  insertEvent,
  insertNotification,
  listEvents,
  listNotifications,
  listReminders,
  type PrecursorNotificationsTable,
  updateNotification,
} from "./precursors.repository.ts";
import type {
  AmendmentInput,
  NotificationContent,
  NotificationInput,
  NotificationQuery,
  ReplyInput,
  ShipmentInput,
  WithdrawalInput,
} from "./precursors.schema.ts";
import type { WatchlistFlag, WatchlistPort } from "./precursors.watchlist-port.ts";

export interface PrecursorsDeps {
  db: Db;
  clock: Clock;
  party: string;
  changes: ChangeRunner;
  federation: FederationService;
  compliance: ComplianceGate;
  policy: Authorizer;
  catalogue: PrecursorCatalogue;
  /** This node's watchlist (precursors.watchlist-port.ts); without one no flags are recorded. */
  watchlist?: WatchlistPort | undefined;
  logger?: Logger | undefined;
}

type Row = PrecursorNotificationsTable;
const NOT_FOUND = "LIAISON_PRECURSORS_NOT_FOUND";

export class PrecursorsService {
  constructor(readonly deps: PrecursorsDeps) {}

  /** A principal acts for its agency: the gate decides for it, and Cedar checks it is a competent authority. */
  requireAgency(principal: Principal): string {
    if (!principal.agency) {
      throw new LiaisonError(
        "LIAISON_PRECURSORS_NO_AGENCY",
        403,
        "the precursors lane is the competent authorities' and the gate decides for an agency: this principal has none",
      );
    }
    return principal.agency;
  }

  /** The resource Cedar sees for a notification: its holder agency here and, for received ones, its label. */
  resourceOf(row: Pick<Row, "id" | "direction" | "from_agency" | "to_agency" | "tlp">) {
    const agency = row.direction === "outbound" ? row.from_agency : row.to_agency;
    return {
      type: "precursor-notification",
      id: row.id,
      attributes: {
        party: this.deps.party,
        ...(agency ? { agency } : {}),
        ...(row.direction === "inbound" ? { tlp: row.tlp } : {}),
      },
    };
  }

  /** Read first, hiding existence; then the step itself, refused and audited as any denial. */
  async authorizedRow(principal: Principal, id: string, action?: Action): Promise<Row> {
    const row = await findNotification(this.deps.db, id);
    const hidden = { code: NOT_FOUND, message: `no notification ${id}` };
    if (!row) {
      await this.deps.policy.authorize(principal, "precursor.read", {
        type: "precursor-notification",
        id,
        attributes: { party: this.deps.party },
      });
      throw notFound(hidden.code, hidden.message);
    }
    await this.deps.policy.authorize(principal, "precursor.read", this.resourceOf(row), { hideExistence: hidden });
    if (action) await this.deps.policy.authorize(principal, action, this.resourceOf(row));
    return row;
  }

  private contentOf(input: NotificationInput | AmendmentInput): NotificationContent {
    const chemical = this.deps.catalogue.require(input.substance.cas, "substance.cas");
    return {
      reference: input.reference,
      exporter: input.exporter,
      importer: input.importer,
      ...(input.consignee ? { consignee: input.consignee } : {}),
      substance: {
        cas: chemical.cas,
        name: chemical.name,
        abbr: chemical.abbr,
        hs: chemical.hs,
        ...(input.substance.concentrationPercent !== undefined
          ? { concentrationPercent: input.substance.concentrationPercent }
          : {}),
        form: input.substance.form,
      },
      quantity: input.quantity,
      pointOfEntry: input.pointOfEntry,
      dispatchDate: input.dispatchDate,
      transport: {
        mode: input.transport.mode,
        ...(input.transport.reference ? { reference: input.transport.reference } : {}),
      },
      ...(input.note ? { note: input.note } : {}),
    };
  }

  private replyByOf(replyBy: string, now: Date): Date {
    const at = new Date(replyBy);
    if (at <= now) {
      throw badRequest("LIAISON_PRECURSORS_REPLY_BY_PAST", `replyBy: ${replyBy} has passed; set a deadline to come`, {
        field: "replyBy",
      });
    }
    return at;
  }

  /** This node's watchlist matches; a failing watchlist must not stop a send, and says so in the log. */
  async flagsOf(content: NotificationContent): Promise<WatchlistFlag[]> {
    if (!this.deps.watchlist) return [];
    return this.deps.watchlist.flagsFor(watchlistSubjectsOf(content));
  }

  async send(input: NotificationInput, principal: Principal) {
    const agency = this.requireAgency(principal);
    const fromAgency = input.fromAgency ?? agency;
    const { party, clock } = this.deps;
    await this.deps.policy.authorize(principal, "precursor.send", {
      type: "precursor-notification",
      id: "new",
      attributes: { party, agency: fromAgency },
    });
    if (input.to === party) {
      throw badRequest("LIAISON_PRECURSORS_TO_SELF", "a notification goes to the importing party, not to this one");
    }
    const content = this.contentOf(input);
    const replyBy = this.replyByOf(input.replyBy, clock.now());
    const flags = await this.flagsOf(content);
    const id = uuidv7();
    const decision = await passGate(
      this.deps,
      {
        to: input.to,
        fromAgency,
        toAgency: input.toAgency,
        legalBases: input.legalBases,
        personalData: [content.exporter, content.importer, content.consignee].some((p) => p?.naturalPerson),
        text: input.note,
        tlp: input.tlp,
        permittedUse: input.permittedUse,
        gate: input,
      },
      principal,
      id,
      "notification.send",
    );
    const at = clock.now();
    const event = { id: uuidv7(at.getTime()), at: at.toISOString(), actor: principal.id };
    const sealed = await this.deps.federation.prepare(input.to, NOTIFICATION_ENVELOPE_TYPE, {
      notification: {
        id,
        fromAgency,
        ...(input.toAgency ? { toAgency: input.toAgency } : {}),
        content,
        replyBy: replyBy.toISOString(),
        legalBases: input.legalBases,
        tlp: input.tlp,
        permittedUse: input.permittedUse,
      },
      event,
    });
    await this.deps.changes.run(async (change) => {
      await storeNotification(change.tx, {
        id,
        direction: "outbound",
        exporterParty: party,
        importerParty: input.to,
        fromAgency,
        toAgency: input.toAgency ?? null,
        content,
        replyBy,
        legalBases: input.legalBases,
        tlp: input.tlp,
        permittedUse: input.permittedUse,
        flags,
        sentBy: principal.id,
        envelopeId: sealed.envelopeId,
        event: { id: event.id, at, actor: principal.id, party },
        recordedAt: change.at,
      });
      change.send(sealed);
      change.audit({
        actor: principal.id,
        action: "precursor.notification.send",
        subject: id,
        outcome: "success",
        requestId: principal.requestId,
        details: {
          to: input.to,
          cas: content.substance.cas,
          envelopeId: sealed.envelopeId,
          flags: flags.length,
          decision,
        },
      });
    });
    return this.detail(id, principal);
  }

  amend(id: string, input: AmendmentInput, principal: Principal) {
    return this.step(id, principal, "precursor.send", "exporter", async (row, now) => {
      const content = this.contentOf(input);
      const replyBy = this.replyByOf(input.replyBy, now);
      return {
        details: {
          type: "amended",
          content,
          replyBy: replyBy.toISOString(),
          legalBases: input.legalBases,
          reason: input.reason,
        },
        lifecycle: { type: "amended", at: now, by: "exporter", replyBy },
        legalBases: input.legalBases,
        text: input.reason,
        personalData: [content.exporter, content.importer, content.consignee].some((p) => p?.naturalPerson),
        gate: input,
        flags: await this.flagsOf(content),
        row,
      };
    });
  }

  withdraw(id: string, input: WithdrawalInput, principal: Principal) {
    return this.step(id, principal, "precursor.send", "exporter", async (row, now) => ({
      details: { type: "withdrawn", reason: input.reason },
      lifecycle: { type: "withdrawn", at: now, by: "exporter", reason: input.reason },
      legalBases: input.legalBases ?? (row.legal_bases as string[]),
      text: input.reason,
      gate: input,
      row,
    }));
  }

  reply(id: string, input: ReplyInput, principal: Principal) {
    return this.step(id, principal, "precursor.reply", "importer", async (row, now) => ({
      details: { type: "replied", reply: input.reply, ...(input.reason ? { reason: input.reason } : {}) },
      lifecycle: { type: "replied", at: now, by: "importer", reply: input.reply, version: input.version },
      version: input.version,
      legalBases: input.legalBases ?? (row.legal_bases as string[]),
      text: input.reason,
      gate: input,
      row,
    }));
  }

  shipment(id: string, input: ShipmentInput, principal: Principal) {
    return this.step(id, principal, "precursor.shipment", "either", async (row, now) => {
      const by = row.direction === "outbound" ? "exporter" : "importer";
      return {
        details: {
          type: "shipment",
          state: input.state,
          ...(input.at ? { occurredAt: new Date(input.at).toISOString() } : {}),
          ...(input.place ? { place: input.place } : {}),
          ...(input.note ? { note: input.note } : {}),
        },
        lifecycle: { type: "shipment", at: now, by, state: input.state },
        legalBases: input.legalBases ?? (row.legal_bases as string[]),
        text: input.note,
        gate: input,
        row,
      };
    });
  }

  /**
   * One step on a notification: authorized (read, then the step), allowed by the lifecycle now, passed through
   * the gate, sealed, then stored and queued in one change. The replay after it decides the row's state, so a
   * step of the other side that crossed this one resolves here exactly as on the peer.
   */
  private async step(
    id: string,
    principal: Principal,
    action: Action,
    side: "exporter" | "importer" | "either",
    build: (
      row: Row,
      now: Date,
    ) => Promise<{
      details: StepDetails;
      lifecycle: Parameters<typeof refusalOf>[1];
      version?: number;
      legalBases: string[];
      text?: string | undefined;
      personalData?: boolean;
      gate: Parameters<typeof passGate>[1]["gate"];
      flags?: WatchlistFlag[];
      row: Row;
    }>,
  ) {
    const agency = this.requireAgency(principal);
    // Read first (hiding existence), then which side this node is on, then the step itself.
    const row = await this.authorizedRow(principal, id);
    const ours = row.direction === "outbound" ? "exporter" : "importer";
    if (side !== "either" && side !== ours) {
      throw conflict(
        side === "exporter" ? "LIAISON_PRECURSORS_NOT_EXPORTER" : "LIAISON_PRECURSORS_NOT_IMPORTER",
        side === "exporter"
          ? "only the exporting party amends or withdraws a notification; this node received it"
          : "only the importing party answers a notification; this node sent it",
      );
    }
    await this.deps.policy.authorize(principal, action, this.resourceOf(row));
    const now = this.deps.clock.now();
    const step = await build(row, now);
    const replayed = replayRows(await listEvents(this.deps.db, id));
    const refusal = refusalOf(replayed.state, step.lifecycle);
    if (refusal) throw conflict(refusal.code, refusal.message, { currentStatus: statusOfRow(row, now) });
    const peer = row.direction === "outbound" ? row.importer_party : row.exporter_party;
    const decision = await passGate(
      this.deps,
      {
        to: peer,
        fromAgency: agency,
        toAgency: row.direction === "outbound" ? (row.to_agency ?? undefined) : row.from_agency,
        legalBases: step.legalBases,
        personalData: step.personalData ?? false,
        text: step.text,
        tlp: row.tlp as "TLP:AMBER",
        permittedUse: row.permitted_use as ["H0"],
        gate: step.gate,
      },
      principal,
      id,
      step.details.type,
    );
    const event = {
      id: uuidv7(now.getTime()),
      at: now.toISOString(),
      actor: principal.id,
      version: step.version ?? replayed.state.version + (step.details.type === "amended" ? 1 : 0),
      details: step.details,
    };
    const sealed = await this.deps.federation.prepare(peer, EVENT_ENVELOPE_TYPE, { notificationId: id, event });
    await this.deps.changes.run(async (change) => {
      await findNotificationForUpdate(change.tx, id);
      const { type, ...details } = step.details;
      await insertEvent(change.tx, {
        id: event.id,
        notification_id: id,
        type,
        at: now,
        by_role: ours,
        by_party: this.deps.party,
        actor: principal.id,
        version: event.version,
        details,
        envelope_id: sealed.envelopeId,
        recorded_at: change.at,
      });
      await this.replayInto(change.tx, id, change.at, {
        last_envelope_id: sealed.envelopeId,
        ...(step.flags ? { flags: step.flags, flag_count: step.flags.length } : {}),
      });
      change.send(sealed);
      change.audit({
        actor: principal.id,
        action: `precursor.notification.${type}`,
        subject: id,
        outcome: "success",
        requestId: principal.requestId,
        details: { to: peer, eventId: event.id, envelopeId: sealed.envelopeId, decision },
      });
    });
    return this.detail(id, principal);
  }

  /** Replays the stored events and writes the state back to the row (inside the caller's change). */
  async replayInto(tx: Db, id: string, at: Date, extra: Partial<Row> = {}): Promise<void> {
    const replayed = replayRows(await listEvents(tx, id));
    await updateNotification(tx, id, { ...stateColumns(replayed, at), ...extra });
  }

  async detail(id: string, principal: Principal) {
    const row = await this.authorizedRow(principal, id);
    const events = await listEvents(this.deps.db, id);
    const replayed = replayRows(events);
    const delivery = row.last_envelope_id
      ? ((await this.deps.federation.deliveryStatus([row.last_envelope_id])).get(row.last_envelope_id)?.status ?? null)
      : null;
    return {
      ...summaryOf(row, this.deps.clock.now()),
      content: row.content as NotificationContent,
      legalBases: row.legal_bases as string[],
      permittedUse: row.permitted_use as string[],
      flags: row.flags as WatchlistFlag[],
      history: historyOf(events, replayed),
      delivery: row.direction === "outbound" ? delivery : null,
    };
  }

  /** Asking is `precursor.read` (refused and audited); rows are filtered in SQL as the TLP boundaries say. */
  async list(query: NotificationQuery, principal: Principal) {
    await this.deps.policy.authorize(principal, "precursor.read", {
      type: "precursor-notifications",
      id: "list",
      attributes: { party: this.deps.party },
    });
    const now = this.deps.clock.now();
    const { rows, nextCursor } = await listNotifications(this.deps.db, {
      direction: query.direction,
      cas: query.cas,
      status: query.status,
      dueBefore: query.dueBefore ? new Date(query.dueBefore) : undefined,
      company: query.company
        ? { words: [...new Set(nameTokens(query.company))], folded: normaliseName(query.company) }
        : undefined,
      flagged: query.flagged === undefined ? undefined : query.flagged === "true",
      cursor: query.cursor,
      limit: query.limit,
      now,
      agency: principal.agency,
    });
    return { items: rows.map((row) => summaryOf(row, now)), nextCursor };
  }

  /** Reminders for the caller's agency and for every competent authority of the party. */
  async reminders(principal: Principal, limit = 100) {
    await this.deps.policy.authorize(principal, "precursor.read", {
      type: "precursor-reminders",
      id: principal.id,
      attributes: { party: this.deps.party },
    });
    return listReminders(this.deps.db, ["authority", ...(principal.agency ? [principal.agency] : [])], limit);
  }

  /** For the handlers: the lifecycle event a stored row stands for. */
  static lifecycleOf = lifecycleEventOf;
}

/** A list row as shown: the status as of now. */
export type SummaryRow = Omit<
  Row,
  | "legal_bases"
  | "permitted_use"
  | "flags"
  | "companies"
  | "company_words"
  | "last_envelope_id"
  | "quantity_dimension"
  | "quantity_micro"
  | "clock_started_at"
  | "updated_at"
  | "sent_by"
>;

export function summaryOf(row: SummaryRow, now: Date) {
  const content = row.content as Pick<NotificationContent, "substance" | "quantity" | "exporter" | "importer">;
  return {
    id: row.id,
    direction: row.direction,
    exporterParty: row.exporter_party,
    importerParty: row.importer_party,
    fromAgency: row.from_agency,
    toAgency: row.to_agency,
    reference: row.reference,
    cas: row.cas,
    substance: content.substance.name,
    quantity: content.quantity,
    exporter: content.exporter.name,
    importer: content.importer.name,
    dispatchDate: row.dispatch_date,
    replyBy: row.reply_by,
    version: row.version,
    status: statusOfRow(row, now),
    shipment: row.shipment as "not-dispatched",
    tlp: row.tlp,
    flagCount: row.flag_count,
    createdAt: row.created_at,
  };
}

/** A notification and its send event, outbound or received: one insert each, then the replay's state. */
export async function storeNotification(
  tx: Db,
  n: {
    id: string;
    direction: "outbound" | "inbound";
    exporterParty: string;
    importerParty: string;
    fromAgency: string;
    toAgency: string | null;
    content: NotificationContent;
    replyBy: Date;
    legalBases: string[];
    tlp: string;
    permittedUse: string[];
    flags: WatchlistFlag[];
    sentBy: string;
    envelopeId: string;
    event: { id: string; at: Date; actor: string; party: string };
    recordedAt: Date;
  },
): Promise<boolean> {
  const sentEvent = {
    id: n.event.id,
    notification_id: n.id,
    type: "sent",
    at: n.event.at,
    by_role: "exporter" as const,
    by_party: n.event.party,
    actor: n.event.actor,
    version: 1,
    details: { replyBy: n.replyBy.toISOString(), content: n.content, legalBases: n.legalBases },
    envelope_id: n.envelopeId,
    recorded_at: n.recordedAt,
  };
  const replayed = replayRows([sentEvent]);
  const inserted = await insertNotification(tx, {
    id: n.id,
    direction: n.direction,
    exporter_party: n.exporterParty,
    importer_party: n.importerParty,
    from_agency: n.fromAgency,
    to_agency: n.toAgency,
    tlp: n.tlp,
    permitted_use: n.permittedUse,
    flags: n.flags,
    flag_count: n.flags.length,
    sent_by: n.sentBy,
    last_envelope_id: n.direction === "outbound" ? n.envelopeId : null,
    created_at: n.recordedAt,
    ...stateColumns(replayed, n.recordedAt),
  });
  if (!inserted) return false;
  await insertEvent(tx, sentEvent);
  return true;
}
