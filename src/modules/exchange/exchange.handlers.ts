import { createHash } from "node:crypto";
import { LiaisonError } from "../../core/errors.ts";
import type { ChangeContext } from "../../db/changes.ts";
import type { ApprovalOutcome } from "../compliance/compliance.types.ts";
import type { EnvelopeHandler } from "../federation/envelope-handlers.ts";
import { decryptAttachment, encryptAttachment } from "./exchange.attachments.ts";
import { envelopeBodyOf, messageColumnsOf } from "./exchange.compose.ts";
import { deadlinesFor } from "./exchange.deadlines.ts";
import { eraseMessage, messageBodyAtRest } from "./exchange.erasure.ts";
import { exchangeError } from "./exchange.errors.ts";
import {
  findMessage,
  findThread,
  findThreadForUpdate,
  insertAttachment,
  insertMessage,
  insertThread,
  updateMessage,
  updateThread,
} from "./exchange.repository.ts";
import { MessageEnvelopeBody, WithdrawalConfirmedBody } from "./exchange.schema.ts";
import {
  type ExchangeService,
  MESSAGE_ENVELOPE_TYPE,
  progressOf,
  WITHDRAWAL_CONFIRMED_ENVELOPE_TYPE,
} from "./exchange.service.ts";

/** Receiving side of `exchange.message`: store the thread (first time) and the message in the inbox transaction. */
export function messageEnvelopeHandler(service: ExchangeService): EnvelopeHandler<typeof MessageEnvelopeBody> {
  const { deps } = service;
  return {
    type: MESSAGE_ENVELOPE_TYPE,
    versions: [1],
    body: MessageEnvelopeBody,
    // The attachments are stored encrypted below; the inbox's copy of the body keeps only their metadata.
    atRest: messageBodyAtRest,
    handle: async (change, { payload }) => {
      const { thread, message } = payload.body;
      const at = change.at;
      const due = deadlinesFor(deps.deadlines, message.kind, message.priority, at);
      await insertThread(change.tx, {
        id: thread.id,
        lane: thread.lane,
        subject: thread.subject,
        direction: "inbound",
        peer_party: payload.from,
        from_agency: thread.fromAgency,
        to_agency: thread.toAgency,
        assigned_agency: null,
        assignee: null,
        priority: message.priority,
        started_at: at,
        acknowledge_by: due.acknowledgeBy,
        respond_by: due.respondBy,
        acknowledged_at: null,
        responded_at: null,
        created_by: null,
        created_at: at,
        last_message_at: at,
      });
      const stored = await findThreadForUpdate(change.tx, thread.id);
      if (!stored || stored.peer_party !== payload.from) {
        throw new LiaisonError("LIAISON_EXCHANGE_THREAD_CONFLICT", 409, `thread ${thread.id} belongs to another party`);
      }
      const row = {
        id: message.id,
        thread_id: thread.id,
        envelope_id: payload.id,
        direction: "inbound" as const,
        status: "received",
        ...messageColumnsOf(message),
        decision: null,
        approval_id: null,
        withdrawn_at: null,
        withdrawal_confirmed_at: null,
        created_at: at,
      };
      await insertMessage(change.tx, row);
      for (const a of message.attachments) {
        const bytes = Buffer.from(a.content, "base64");
        if (createHash("sha256").update(bytes).digest("hex") !== a.sha256 || bytes.length !== a.size) {
          throw new LiaisonError(
            "LIAISON_EXCHANGE_ATTACHMENT_DIGEST_MISMATCH",
            400,
            `attachment ${a.id} digest mismatch`,
          );
        }
        await insertAttachment(change.tx, {
          id: a.id,
          message_id: message.id,
          name: a.name,
          content_type: a.contentType,
          size: a.size,
          sha256: a.sha256,
          ...encryptAttachment(deps.attachmentKey, a.id, bytes),
        });
      }
      await updateThread(change.tx, thread.id, { last_message_at: at, ...progressOf(stored, row, at) });
      if (message.kind === "withdrawal" && message.refersTo) await withdrawInbound(service, change, payload.from, row);
      change.audit({
        actor: `peer:${payload.from}`,
        action: "exchange.message.receive",
        subject: message.id,
        outcome: "success",
        details: { threadId: thread.id, kind: message.kind, envelopeId: payload.id },
      });
    },
  };
}

/** The originator retracted a message: hide it here and confirm back in the same transaction. */
async function withdrawInbound(
  service: ExchangeService,
  change: ChangeContext,
  from: string,
  withdrawal: { id: string; thread_id: string; refers_to: string | null },
) {
  const target = withdrawal.refers_to ? await findMessage(change.tx, withdrawal.refers_to) : undefined;
  if (target?.direction !== "inbound" || target.thread_id !== withdrawal.thread_id) return;
  await updateMessage(change.tx, target.id, { withdrawn_at: change.at, status: "withdrawn" });
  await eraseMessage(change, service.deps.federation, target, `peer:${from}`);
  const sealed = await service.deps.federation.prepare(from, WITHDRAWAL_CONFIRMED_ENVELOPE_TYPE, {
    threadId: withdrawal.thread_id,
    messageId: target.id,
    withdrawalId: withdrawal.id,
  });
  change.send(sealed);
  change.audit({
    actor: `peer:${from}`,
    action: "exchange.message.withdrawn",
    subject: target.id,
    outcome: "success",
    details: { withdrawalId: withdrawal.id, confirmationEnvelopeId: sealed.envelopeId },
  });
}

/**
 * The peer confirms a withdrawal. It applies only to a withdrawal this node sent, on that thread, to that peer,
 * of a message this node sent there: anything else is refused (the inbox counts and audits it, nothing changes).
 */
export function withdrawalConfirmedHandler(service: ExchangeService): EnvelopeHandler<typeof WithdrawalConfirmedBody> {
  return {
    type: WITHDRAWAL_CONFIRMED_ENVELOPE_TYPE,
    versions: [1],
    body: WithdrawalConfirmedBody,
    handle: async (change, { payload }) => {
      const { threadId, messageId, withdrawalId } = payload.body;
      const [thread, withdrawal, target] = [
        await findThread(change.tx, threadId),
        await findMessage(change.tx, withdrawalId),
        await findMessage(change.tx, messageId),
      ];
      const sent =
        thread?.peer_party === payload.from &&
        withdrawal?.direction === "outbound" &&
        withdrawal.kind === "withdrawal" &&
        withdrawal.status === "sent" &&
        withdrawal.thread_id === threadId &&
        withdrawal.refers_to === messageId &&
        target?.direction === "outbound" &&
        target.thread_id === threadId;
      if (!sent || !target) {
        throw exchangeError(
          "WITHDRAWAL_NOT_SENT",
          409,
          `${payload.from} confirmed withdrawal ${withdrawalId} of ${messageId} on thread ${threadId}, which this node did not send it`,
        );
      }
      if (!target.withdrawal_confirmed_at) {
        await updateMessage(change.tx, target.id, { withdrawal_confirmed_at: change.at, status: "withdrawn" });
      }
      // Delivered for sure now (the peer found it): the outbox copy can go too if it was still waiting.
      const envelope = target.envelope_id
        ? await service.deps.federation.eraseEnvelopeContent(change.tx, target.envelope_id, (body) => body)
        : null;
      change.audit({
        actor: `peer:${payload.from}`,
        action: "exchange.message.withdrawal-confirmed",
        subject: messageId,
        outcome: "success",
        details: { withdrawalId, envelope },
      });
    },
  };
}

/** Completes an escalated message once an approver decided: seal and send it, or mark it refused. */
export function approvalDecidedHandler(service: ExchangeService) {
  const { deps } = service;
  return async (change: ChangeContext, outcome: ApprovalOutcome) => {
    const message = await findMessage(change.tx, outcome.subjectId);
    if (message?.status !== "pending-approval") return;
    const thread = await findThread(change.tx, message.thread_id);
    if (!thread) return;
    if (!outcome.approved) {
      await updateMessage(change.tx, message.id, { status: "approval-refused" });
      change.audit({
        actor: outcome.approver.id,
        action: "exchange.message.approval-refused",
        subject: message.id,
        outcome: "success",
        details: { approvalId: outcome.approvalId, basis: outcome.basis },
      });
      return;
    }
    const stored = await change.tx
      .selectFrom("exchange_attachments")
      .selectAll()
      .where("message_id", "=", message.id)
      .execute();
    const attachments = stored.map((a) => ({
      id: a.id,
      name: a.name,
      contentType: a.content_type,
      size: a.size,
      sha256: a.sha256,
      bytes: decryptAttachment(deps.attachmentKey, a.id, a),
    }));
    const sealed = await deps.federation.prepare(
      thread.peer_party,
      MESSAGE_ENVELOPE_TYPE,
      envelopeBodyOf(thread, message, attachments) as unknown as Record<string, unknown>,
    );
    await updateMessage(change.tx, message.id, { status: "sent", envelope_id: sealed.envelopeId });
    await service.afterSent(change, thread, message);
    change.send(sealed);
    change.audit({
      actor: outcome.approver.id,
      action: "exchange.message.send",
      subject: message.id,
      outcome: "success",
      details: { approvalId: outcome.approvalId, envelopeId: sealed.envelopeId, digest: sealed.digest },
    });
  };
}
