import type { Principal } from "../identity/principal.ts";
import { decryptAttachment } from "./exchange.attachments.ts";
import { exchangeError } from "./exchange.errors.ts";
import { findAttachment, findMessage, findThread } from "./exchange.repository.ts";
import { agencyOf, type ExchangeService } from "./exchange.service.ts";
import { canRead, threadVisibleTo } from "./exchange.visibility.ts";

/**
 * `GET /api/v1/attachments/:id`: a file is served only to a reader who may read its thread (listed to them and
 * Cedar's `thread.read`, as the thread view) and its message (the caveats), the same path as reading the thread.
 * Every download is audited with the file's digest; a refused one too, and it looks exactly like a missing file.
 */
export async function downloadAttachment(
  service: ExchangeService,
  id: string,
  principal: Principal,
  requestId?: string,
) {
  const { deps } = service;
  const notFound = () => exchangeError("ATTACHMENT_NOT_FOUND", 404, `no attachment ${id}`);
  service.requireAgency(principal);
  const attachment = await findAttachment(deps.db, id);
  const message = attachment ? await findMessage(deps.db, attachment.message_id) : undefined;
  const thread = message ? await findThread(deps.db, message.thread_id) : undefined;
  if (!attachment || !message || !thread) throw notFound();
  const refuse = async (why: string) => {
    await deps.changes.run(async (change) => {
      change.audit({
        actor: principal.id,
        action: "exchange.attachment.download",
        subject: id,
        outcome: "denied",
        requestId,
        details: { messageId: message.id, threadId: thread.id, why },
      });
    });
    return notFound();
  };
  const listed = await deps.db
    .selectFrom("exchange_threads as t")
    .select("t.id")
    .where("t.id", "=", thread.id)
    .where(threadVisibleTo(principal))
    .executeTakeFirst();
  if (!listed) throw await refuse("thread not visible to the caller");
  try {
    service.authorize(principal, "thread.read", thread.id, agencyOf(thread));
  } catch {
    throw await refuse("thread.read refused");
  }
  if (!canRead(principal, message, thread, deps.clock.now())) throw await refuse("message caveats");
  const bytes = decryptAttachment(deps.attachmentKey, attachment.id, attachment);
  await deps.changes.run(async (change) => {
    change.audit({
      actor: principal.id,
      action: "exchange.attachment.download",
      subject: id,
      outcome: "success",
      requestId,
      details: { messageId: message.id, threadId: thread.id, sha256: attachment.sha256, size: attachment.size },
    });
  });
  return { attachment, bytes };
}
