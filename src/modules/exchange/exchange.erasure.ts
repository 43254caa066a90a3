import type { ChangeContext } from "../../db/changes.ts";
import type { FederationService } from "../federation/federation.service.ts";
import { deleteAttachments, json, updateMessage } from "./exchange.repository.ts";
import type { MessageEnvelopeBody } from "./exchange.schema.ts";

/**
 * Withdrawn content is erased, not only hidden (docs/exchange.md, "At rest and erasure"). On both nodes, once a
 * message is withdrawn, its text, search words (the generated search vector follows) and entities are
 * overwritten, its attachments are deleted, and the envelope that carried it is emptied in the inbox and, once
 * delivered, in the outbox. What stays: the row's metadata (kind, caveats, who, when), and the audit leaves with
 * the envelope's digest and the attachments' SHA-256, so what was exchanged remains provable.
 */
export async function eraseMessage(
  change: ChangeContext,
  federation: FederationService,
  message: { id: string; envelope_id: string | null },
  actor: string,
): Promise<void> {
  await updateMessage(change.tx, message.id, { text: "", search_text: "", entities: json([]) });
  const attachments = await deleteAttachments(change.tx, message.id);
  const envelope = message.envelope_id
    ? await federation.eraseEnvelopeContent(change.tx, message.envelope_id, redactMessageBody)
    : null;
  change.audit({
    actor,
    action: "exchange.message.erase",
    subject: message.id,
    outcome: "success",
    details: { envelopeId: message.envelope_id, attachments, envelope },
  });
}

/** The withdrawn message's envelope body as the inbox keeps it: the header and caveats, no content. */
export function redactMessageBody(body: unknown): unknown {
  const b = body as Partial<MessageEnvelopeBody> | undefined;
  if (!b?.message) return body;
  return {
    ...b,
    message: {
      ...b.message,
      text: "",
      entities: [],
      attachments: b.message.attachments.map((a) => ({ id: a.id, size: a.size, sha256: a.sha256 })),
    },
  };
}

/** Any inbound message as the inbox keeps it: attachments without their bytes, which live encrypted elsewhere. */
export function messageBodyAtRest(body: MessageEnvelopeBody): unknown {
  return {
    ...body,
    message: { ...body.message, attachments: body.message.attachments.map(({ content: _, ...meta }) => meta) },
  };
}
