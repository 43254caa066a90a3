import type { Principal } from "../identity/principal.ts";
import { decryptAttachment } from "./exchange.attachments.ts";
import { exchangeError } from "./exchange.errors.ts";
import { findAttachment, findMessage, findThread } from "./exchange.repository.ts";
import { agencyOf, type ExchangeService } from "./exchange.service.ts";
import { canRead } from "./exchange.visibility.ts";

/**
 * `GET /api/v1/attachments/:id`: a file is served only to a reader who may read its thread (Cedar's `thread.read`)
 * and its message (`message.read`, the caveats), the same path as reading the thread (exchange.visibility.ts).
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
  try {
    // Awaited: the thread refused (audited as a denial of thread.read) must stop the download.
    await service.authorize(principal, "thread.read", thread.id, agencyOf(thread));
  } catch {
    throw await refuse("thread.read refused");
  }
  if (!canRead(deps.policy, principal, deps.party, message, thread)) throw await refuse("message.read refused");
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
