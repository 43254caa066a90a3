import type { Updateable } from "kysely";
import type { DbOrTx } from "../../db/database.ts";

export interface ExchangeThreadsTable {
  id: string;
  lane: string;
  subject: string;
  /** outbound: this node's party opened the thread; inbound: the peer did. */
  direction: "outbound" | "inbound";
  peer_party: string;
  from_agency: string | null;
  to_agency: string | null;
  assigned_agency: string | null;
  assignee: string | null;
  priority: string | null;
  /** When the clock started: receipt on the receiving node, sending on the sender's. */
  started_at: Date;
  acknowledge_by: Date | null;
  respond_by: Date | null;
  acknowledged_at: Date | null;
  responded_at: Date | null;
  created_by: string | null;
  created_at: Date;
  last_message_at: Date;
}

export interface ExchangeMessagesTable {
  id: string;
  thread_id: string;
  envelope_id: string | null;
  direction: "outbound" | "inbound";
  kind: string;
  /** outbound: queued | pending-approval | blocked | approval-refused; inbound: received | withdrawn */
  status: string;
  text: string;
  search_text: string;
  entities: unknown;
  tlp: string;
  permitted_use: unknown;
  handling_note: string | null;
  legal_bases: unknown;
  personal_data: boolean;
  data_subjects: unknown;
  grading: string | null;
  retention_until: string | Date | null;
  priority: string | null;
  from_agency: string | null;
  to_agency: string | null;
  sent_by: string;
  recipients: unknown;
  response_type: string | null;
  refusal_reason: string | null;
  /** A coded refusal reason (exchange.content.ts REFUSAL_CODES); absent on rows written before it existed. */
  refusal_code?: string | null;
  refers_to: string | null;
  consent_granted: boolean | null;
  onward_recipient: string | null;
  decision: unknown;
  approval_id: string | null;
  withdrawn_at: Date | null;
  withdrawal_confirmed_at: Date | null;
  created_at: Date;
  /**
   * Inbound: the agency that holds this message for its caveats once the originator consented to moving it
   * (exchange.onward.ts). Null: the message's `to_agency`, else the thread's assigned agency.
   */
  holder_agency?: string | null;
}

export interface ExchangeAttachmentsTable {
  id: string;
  message_id: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export interface ExchangeReadsTable {
  message_id: string;
  reader: string;
  read_at: Date;
}

export interface ExchangeNotificationsTable {
  id: string;
  /** A principal id, or `role:<role>` for everyone holding that role on this node. */
  recipient: string;
  thread_id: string;
  kind: string;
  text: string;
  created_at: Date;
  read_at: Date | null;
}

declare module "../../db/schema.ts" {
  interface Database {
    exchange_threads: ExchangeThreadsTable;
    exchange_messages: ExchangeMessagesTable;
    exchange_attachments: ExchangeAttachmentsTable;
    exchange_reads: ExchangeReadsTable;
    exchange_notifications: ExchangeNotificationsTable;
  }
}

/** jsonb values go in as JSON text: `pg` would turn a JS array into a PostgreSQL array. */
export const json = (value: unknown) => JSON.stringify(value);

/** Inbound copies of a thread arrive with every message; the first one creates it. */
export async function insertThread(db: DbOrTx, row: ExchangeThreadsTable): Promise<boolean> {
  const result = await db
    .insertInto("exchange_threads")
    .values(row)
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findThread(db: DbOrTx, id: string) {
  return db.selectFrom("exchange_threads").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findThreadForUpdate(db: DbOrTx, id: string) {
  return db.selectFrom("exchange_threads").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function updateThread(db: DbOrTx, id: string, patch: Updateable<ExchangeThreadsTable>): Promise<void> {
  await db.updateTable("exchange_threads").set(patch).where("id", "=", id).execute();
}

export async function insertMessage(db: DbOrTx, row: ExchangeMessagesTable): Promise<void> {
  await db
    .insertInto("exchange_messages")
    .values({
      ...row,
      entities: json(row.entities),
      permitted_use: json(row.permitted_use),
      legal_bases: json(row.legal_bases),
      data_subjects: json(row.data_subjects),
      recipients: json(row.recipients),
      decision: row.decision === null ? null : json(row.decision),
    })
    .execute();
}

export async function findMessage(db: DbOrTx, id: string) {
  return db.selectFrom("exchange_messages").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function updateMessage(db: DbOrTx, id: string, patch: Updateable<ExchangeMessagesTable>): Promise<void> {
  await db.updateTable("exchange_messages").set(patch).where("id", "=", id).execute();
}

export async function insertAttachment(db: DbOrTx, row: ExchangeAttachmentsTable): Promise<void> {
  await db.insertInto("exchange_attachments").values(row).execute();
}

/** Erasure (exchange.erasure.ts): the ciphertext goes with the row; the audit log keeps each SHA-256. */
export async function deleteAttachments(db: DbOrTx, messageId: string): Promise<number> {
  const result = await db.deleteFrom("exchange_attachments").where("message_id", "=", messageId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function listAttachmentMeta(db: DbOrTx, messageIds: string[]) {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom("exchange_attachments")
    .select(["id", "message_id", "name", "content_type", "size", "sha256"])
    .where("message_id", "in", messageIds)
    .execute();
}

export async function findAttachment(db: DbOrTx, id: string) {
  return db.selectFrom("exchange_attachments").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Messages of a thread in order (their delivery state is federation's: FederationService.deliveryStatus). */
export async function listThreadMessages(db: DbOrTx, threadId: string) {
  return db.selectFrom("exchange_messages").selectAll().where("thread_id", "=", threadId).orderBy("id").execute();
}

/** The TLP labels each thread's messages carry (distinct), for the marking the thread list shows. */
export async function tlpsOfThreads(db: DbOrTx, threadIds: string[]): Promise<Map<string, string[]>> {
  const byThread = new Map<string, string[]>();
  if (threadIds.length === 0) return byThread;
  const rows = await db
    .selectFrom("exchange_messages")
    .select(["thread_id", "tlp"])
    .distinct()
    .where("thread_id", "in", threadIds)
    .execute();
  for (const row of rows) byThread.set(row.thread_id, [...(byThread.get(row.thread_id) ?? []), row.tlp]);
  return byThread;
}

export async function markRead(db: DbOrTx, messageIds: string[], reader: string, at: Date): Promise<number> {
  if (messageIds.length === 0) return 0;
  const result = await db
    .insertInto("exchange_reads")
    .values(messageIds.map((message_id) => ({ message_id, reader, read_at: at })))
    .onConflict((oc) => oc.columns(["message_id", "reader"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export async function readsBy(db: DbOrTx, messageIds: string[], reader: string) {
  if (messageIds.length === 0) return new Map<string, Date>();
  const rows = await db
    .selectFrom("exchange_reads")
    .select(["message_id", "read_at"])
    .where("message_id", "in", messageIds)
    .where("reader", "=", reader)
    .execute();
  return new Map(rows.map((r) => [r.message_id, r.read_at]));
}
