import { type Expression, type SqlBool, sql, type Updateable } from "kysely";
import type { Db, DbOrTx } from "../../db/database.ts";

export interface PrecursorNotificationsTable {
  id: string;
  direction: "outbound" | "inbound";
  exporter_party: string;
  importer_party: string;
  from_agency: string;
  to_agency: string | null;
  reference: string;
  cas: string;
  /** jsonb: NotificationContent of the current version. */
  content: unknown;
  quantity_dimension: string;
  quantity_micro: number;
  /** Folded names of exporter, importer and consignee (precursors.names.ts), for the company filter. */
  companies: string;
  /** Their folded words, each once (GIN-indexed): a company filter asks for all of its words. */
  company_words: string[];
  dispatch_date: string;
  reply_by: Date;
  /** When the current version's clock started (sent or last amended), for the reminders' fractions. */
  clock_started_at: Date;
  version: number;
  status: string;
  shipment: string;
  legal_bases: unknown;
  tlp: string;
  permitted_use: unknown;
  /** jsonb: WatchlistFlag[] found by this node (never sent). */
  flags: unknown;
  flag_count: number;
  sent_by: string;
  last_envelope_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PrecursorEventsTable {
  id: string;
  notification_id: string;
  type: string;
  at: Date;
  by_role: "exporter" | "importer" | "system";
  by_party: string | null;
  actor: string | null;
  version: number;
  details: unknown;
  envelope_id: string | null;
  recorded_at: Date;
}

export interface PrecursorIncidentsTable {
  id: string;
  direction: "outbound" | "inbound";
  from_party: string;
  to_party: string;
  from_agency: string;
  to_agency: string | null;
  kind: string;
  notification_id: string | null;
  substances: unknown;
  occurred_on: string;
  place: string;
  modus_operandi: string | null;
  entities: unknown;
  summary: string;
  legal_bases: unknown;
  tlp: string;
  permitted_use: unknown;
  sent_by: string;
  envelope_id: string;
  created_at: Date;
}

export interface PrecursorRemindersTable {
  id: string;
  notification_id: string;
  kind: string;
  recipient: string;
  text: string;
  created_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    precursor_notifications: PrecursorNotificationsTable;
    precursor_events: PrecursorEventsTable;
    precursor_incidents: PrecursorIncidentsTable;
    precursor_reminders: PrecursorRemindersTable;
  }
}

/** jsonb values go in as JSON text: `pg` would turn a JS array into a PostgreSQL array. */
const json = (value: unknown) => JSON.stringify(value);
const JSON_COLUMNS = ["content", "legal_bases", "permitted_use", "flags"] as const;

function withJson<T extends object>(row: T, columns: readonly string[]): T {
  const out = { ...row } as Record<string, unknown>;
  for (const c of columns) if (c in out && out[c] !== undefined) out[c] = json(out[c]);
  return out as unknown as T;
}

/** Inserts a notification; false when the id exists already (the caller decides whether that is a conflict). */
export async function insertNotification(db: DbOrTx, row: PrecursorNotificationsTable): Promise<boolean> {
  const result = await db
    .insertInto("precursor_notifications")
    .values(withJson(row, JSON_COLUMNS))
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findNotification(db: DbOrTx, id: string) {
  return db.selectFrom("precursor_notifications").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Locks the row: steps on one notification (a reply and an amendment arriving at once) apply one at a time. */
export async function findNotificationForUpdate(db: DbOrTx, id: string) {
  return db.selectFrom("precursor_notifications").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function updateNotification(
  db: DbOrTx,
  id: string,
  patch: Updateable<PrecursorNotificationsTable>,
): Promise<void> {
  await db.updateTable("precursor_notifications").set(withJson(patch, JSON_COLUMNS)).where("id", "=", id).execute();
}

/** False when an event of that id is already stored (an event is stored once, whoever sends it again). */
export async function insertEvent(db: DbOrTx, row: PrecursorEventsTable): Promise<boolean> {
  const result = await db
    .insertInto("precursor_events")
    .values(withJson(row, ["details"]))
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findEvent(db: DbOrTx, id: string) {
  return db.selectFrom("precursor_events").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A notification's events in replay order, the same on both nodes. */
export async function listEvents(db: DbOrTx, notificationId: string) {
  return db
    .selectFrom("precursor_events")
    .selectAll()
    .where("notification_id", "=", notificationId)
    .orderBy("at")
    .orderBy("id")
    .execute();
}

export interface NotificationFilter {
  direction?: "outbound" | "inbound" | undefined;
  cas?: string | undefined;
  status?: string | undefined;
  dueBefore?: Date | undefined;
  /** Folded words, as `company_words` holds them; a name with none left is matched by substring instead. */
  company?: { words: string[]; folded: string } | undefined;
  flagged?: boolean | undefined;
  cursor?: string | undefined;
  limit: number;
  now: Date;
  /**
   * The caller's agency, for the TLP boundary Cedar draws (boundaries.cedar): received AMBER+STRICT stays inside
   * the recipient agency. Sent notifications carry no label for this node's readers (as sent messages).
   */
  agency: string | undefined;
}

/**
 * What Cedar's TLP boundaries (boundaries.cedar) let the caller read, restated in SQL and held to Cedar by
 * test/precursors/visibility.test.ts: received TLP:AMBER+STRICT stays inside the recipient agency; what this
 * node sent carries no label for its own readers. TLP:RED is never accepted in this lane.
 */
function readableHere(table: "n" | "i", agency: string | undefined): Expression<SqlBool> {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  return sql<SqlBool>`(${column("direction")} = 'outbound' OR ${column("tlp")} <> 'TLP:AMBER+STRICT' OR ${
    agency ? sql`${column("to_agency")} = ${agency}` : sql`false`
  })`;
}

/** One page of `limit` rows from `limit + 1` read, and the cursor of the next. */
function pageOf<R extends { id: string }>(rows: R[], limit: number) {
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

/** The status filter as the read-time status: `no-reply` is an awaiting notification past its deadline. */
function statusIs(status: string, now: Date): Expression<SqlBool> {
  if (status === "no-reply") {
    return sql<SqlBool>`(n.status = 'no-reply' OR (n.status = 'awaiting-reply' AND n.reply_by < ${now}))`;
  }
  if (status === "awaiting-reply") return sql<SqlBool>`(n.status = 'awaiting-reply' AND n.reply_by >= ${now})`;
  return sql<SqlBool>`n.status = ${status}`;
}

/** Newest first by id (UUIDv7: time order), one page past `cursor`. */
/** What a list row shows: the content cut down in SQL to the names and the quantity (not the whole jsonb). */
const SUMMARY_COLUMNS = [
  "n.id",
  "n.direction",
  "n.exporter_party",
  "n.importer_party",
  "n.from_agency",
  "n.to_agency",
  "n.reference",
  "n.cas",
  "n.dispatch_date",
  "n.reply_by",
  "n.version",
  "n.status",
  "n.shipment",
  "n.tlp",
  "n.flag_count",
  "n.created_at",
] as const;

export async function listNotifications(db: Db, f: NotificationFilter) {
  let query = db
    .selectFrom("precursor_notifications as n")
    .select(SUMMARY_COLUMNS)
    .select(
      sql<unknown>`jsonb_build_object(
        'substance', jsonb_build_object('name', n.content->'substance'->'name'),
        'quantity', n.content->'quantity',
        'exporter', jsonb_build_object('name', n.content->'exporter'->'name'),
        'importer', jsonb_build_object('name', n.content->'importer'->'name'))`.as("content"),
    )
    .orderBy("n.id", "desc")
    .limit(f.limit + 1)
    .where(readableHere("n", f.agency));
  if (f.direction) query = query.where("n.direction", "=", f.direction);
  if (f.cas) query = query.where("n.cas", "=", f.cas);
  if (f.status) query = query.where(statusIs(f.status, f.now));
  if (f.dueBefore) query = query.where("n.reply_by", "<", f.dueBefore);
  if (f.company && f.company.words.length > 0) {
    query = query.where(sql<SqlBool>`n.company_words @> ${f.company.words}::text[]`);
  } else if (f.company) {
    query = query.where("n.companies", "like", `%${f.company.folded.replace(/[\\%_]/g, "\\$&")}%`);
  }
  if (f.flagged !== undefined) query = query.where("n.flag_count", f.flagged ? ">" : "=", 0);
  if (f.cursor) query = query.where("n.id", "<", f.cursor);
  return pageOf(await query.execute(), f.limit);
}

/** Notifications whose clock is running, for the sweeper: reminders before `replyBy`, the no-reply after. */
export async function listAwaiting(db: Db) {
  return db
    .selectFrom("precursor_notifications")
    .select([
      "id",
      "direction",
      "reference",
      "from_agency",
      "to_agency",
      "reply_by",
      "clock_started_at",
      "version",
      "exporter_party",
      "importer_party",
    ])
    .where("status", "=", "awaiting-reply")
    .execute();
}

export async function insertIncident(db: DbOrTx, row: PrecursorIncidentsTable): Promise<boolean> {
  const result = await db
    .insertInto("precursor_incidents")
    .values(withJson(row, ["substances", "entities", "legal_bases", "permitted_use"]))
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findIncident(db: DbOrTx, id: string) {
  return db.selectFrom("precursor_incidents").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listIncidents(
  db: Db,
  f: {
    direction?: "outbound" | "inbound" | undefined;
    kind?: string | undefined;
    notificationId?: string | undefined;
    cursor?: string | undefined;
    limit: number;
    agency: string | undefined;
  },
) {
  let query = db
    .selectFrom("precursor_incidents as i")
    .selectAll()
    .orderBy("i.id", "desc")
    .limit(f.limit + 1)
    .where(readableHere("i", f.agency));
  if (f.direction) query = query.where("i.direction", "=", f.direction);
  if (f.kind) query = query.where("i.kind", "=", f.kind);
  if (f.notificationId) query = query.where("i.notification_id", "=", f.notificationId);
  if (f.cursor) query = query.where("i.id", "<", f.cursor);
  return pageOf(await query.execute(), f.limit);
}

/** The reminders not yet written, written; how many were new. */
export async function insertReminders(db: DbOrTx, rows: PrecursorRemindersTable[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insertInto("precursor_reminders")
    .values(rows)
    .onConflict((oc) => oc.columns(["notification_id", "kind", "recipient"]).doNothing())
    .returning("id")
    .execute();
  return inserted.length;
}

export async function existingReminders(db: DbOrTx, notificationIds: readonly string[]) {
  if (notificationIds.length === 0) return [];
  return db
    .selectFrom("precursor_reminders")
    .select(["notification_id", "kind", "recipient"])
    .where("notification_id", "in", notificationIds)
    .execute();
}

export async function listReminders(db: Db, recipients: readonly string[], limit: number) {
  return db
    .selectFrom("precursor_reminders")
    .select(["id", "notification_id as notificationId", "kind", "recipient", "text", "created_at as createdAt"])
    .where("recipient", "in", recipients)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}
