import { uuidv7 } from "../../core/ids.ts";
import type { ComplianceDecision } from "../compliance/compliance.types.ts";
import type { Principal } from "../identity/principal.ts";
import { messageContentOf } from "./exchange.compose.ts";
import { exchangeError } from "./exchange.errors.ts";
import { onwardOutcome } from "./exchange.onward.ts";
import {
  findThread,
  findThreadForUpdate,
  listAttachmentMeta,
  listThreadMessages,
  markRead,
  readsBy,
  tlpsOfThreads,
  updateMessage,
  updateThread,
} from "./exchange.repository.ts";
import { type ListThreadsQuery, Tlp } from "./exchange.schema.ts";
import { agencyOf, type ExchangeService } from "./exchange.service.ts";
import { canRead, readScopeOf, threadVisibleTo } from "./exchange.visibility.ts";

/** Reading, triage and assignment of threads; what is shown is filtered by the same rules as search. */
export class ExchangeThreads {
  constructor(private readonly service: ExchangeService) {}

  private get deps() {
    return this.service.deps;
  }

  async list(principal: Principal, query: ListThreadsQuery) {
    this.service.requireAgency(principal);
    let q = this.deps.db
      .selectFrom("exchange_threads as t")
      .selectAll("t")
      .where(threadVisibleTo(readScopeOf(this.deps.policy, principal, this.deps.party)))
      // Least time left first, threads without a clock last: the order of the (direction, respond_by, id) index.
      .orderBy("t.respond_by", (ob) => ob.asc().nullsLast())
      .orderBy("t.id")
      .limit(query.limit);
    if (query.direction) q = q.where("t.direction", "=", query.direction);
    if (query.lane) q = q.where("t.lane", "=", query.lane);
    if (query.priority) q = q.where("t.priority", "=", query.priority);
    // Untriaged: not yet routed to an agency of this party.
    if (query.unassigned) q = q.where("t.assigned_agency", "is", null);
    const rows = await q.execute();
    const tlps = await tlpsOfThreads(
      this.deps.db,
      rows.map((t) => t.id),
    );
    const now = this.deps.clock.now().getTime();
    return rows.map((t) => ({
      ...this.service.threadView(t),
      msLeft: t.respond_by && !t.responded_at ? t.respond_by.getTime() - now : null,
      tlp: strictestTlp(tlps.get(t.id) ?? []),
    }));
  }

  /** One thread with the messages this principal may read; reading marks them read. */
  async get(id: string, principal: Principal) {
    this.service.requireAgency(principal);
    const thread = await findThread(this.deps.db, id);
    if (!thread) throw exchangeError("THREAD_NOT_FOUND", 404, `no thread ${id}`);
    // The one path, audited; a thread the caller may not read looks like a missing one.
    await this.service.authorize(principal, "thread.read", id, agencyOf(thread));
    const rows = await listThreadMessages(this.deps.db, id);
    // The thread's clocks are read again after its messages: the change that adds a message moves them in the same
    // transaction, and under READ COMMITTED each read is its own snapshot, so a thread row read first could be
    // older than the messages (a response shown while the clock still runs). Read after them, it is as new.
    const current = (await findThread(this.deps.db, id)) ?? thread;
    const readable = rows.filter((m) => canRead(this.deps.policy, principal, this.deps.party, m, thread));
    const attachments = await listAttachmentMeta(
      this.deps.db,
      readable.map((m) => m.id),
    );
    const reads = await readsBy(
      this.deps.db,
      readable.map((m) => m.id),
      principal.id,
    );
    await this.markRead(
      id,
      principal,
      readable.map((m) => m.id).filter((m) => !reads.has(m)),
    );
    // What this node sent and the peer has not confirmed yet is "sent" here; federation knows how far it got.
    const delivery = await this.deps.federation.deliveryStatus(
      readable.filter((m) => m.direction === "outbound" && m.envelope_id).map((m) => m.envelope_id as string),
    );
    const now = this.deps.clock.now();
    const messages = rows.map((m) => {
      // Withdrawn content stays hidden by default; the receiver sees only that something was withdrawn.
      if (m.direction === "inbound" && m.withdrawn_at)
        return {
          id: m.id,
          kind: m.kind,
          status: "withdrawn" as const,
          withdrawnAt: m.withdrawn_at,
          createdAt: m.created_at,
        };
      if (!readable.includes(m)) return null;
      return {
        id: m.id,
        direction: m.direction,
        status:
          m.direction === "outbound" && m.status === "sent"
            ? (delivery.get(m.envelope_id ?? "")?.status ?? "queued")
            : m.status,
        envelopeId: m.envelope_id,
        deliveredAt: delivery.get(m.envelope_id ?? "")?.deliveredAt ?? null,
        readAt: reads.get(m.id) ?? (m.direction === "inbound" ? now : null),
        ...messageContentOf(m),
        // Shown as stored (the envelope carries the date only).
        retentionUntil: m.retention_until,
        attachments: attachments
          .filter((a) => a.message_id === m.id)
          .map((a) => ({ id: a.id, name: a.name, contentType: a.content_type, size: a.size, sha256: a.sha256 })),
        // jsonb as the send wrote it: the gate's decision on a gated message.
        decision: m.decision as ComplianceDecision | null,
        approvalId: m.approval_id,
        withdrawnAt: m.withdrawn_at,
        withdrawalConfirmedAt: m.withdrawal_confirmed_at,
        createdAt: m.created_at,
      };
    });
    const now2 = now.getTime();
    return {
      ...this.service.threadView(current),
      msLeft: current.respond_by && !current.responded_at ? current.respond_by.getTime() - now2 : null,
      tlp: strictestTlp(rows.map((m) => m.tlp)),
      messages: messages.filter((m) => m !== null),
    };
  }

  /** Read receipts stay on this node: they are the reader's own state, not the other party's business. */
  async markRead(threadId: string, principal: Principal, messageIds?: string[]) {
    let ids = messageIds;
    if (!ids) {
      const thread = await findThread(this.deps.db, threadId);
      if (!thread) throw exchangeError("THREAD_NOT_FOUND", 404, `no thread ${threadId}`);
      const rows = await listThreadMessages(this.deps.db, threadId);
      ids = rows.filter((m) => canRead(this.deps.policy, principal, this.deps.party, m, thread)).map((m) => m.id);
    }
    if (ids.length === 0) return 0;
    const readIds = ids;
    return this.deps.changes.run(async (change) => {
      const count = await markRead(change.tx, readIds, principal.id, change.at);
      change.audit({
        actor: principal.id,
        action: "exchange.thread.read",
        subject: threadId,
        outcome: "success",
        details: { messages: count },
      });
      return count;
    });
  }

  /**
   * Triage: a liaison officer routes an inbound thread to an agency of this party and, optionally, an analyst of
   * that agency. Routing never widens access: moving received content away from the agency holding it is an
   * onward disclosure (exchange.onward.ts), refused without the originator's consent. Checked under the thread's
   * row lock, so two routings at once cannot both take a thread nobody held yet. Audited with who, from and to,
   * refusals too.
   */
  async assign(
    threadId: string,
    body: { agency: string; assignee?: string | undefined },
    principal: Principal,
    requestId?: string,
  ) {
    this.service.requireAgency(principal);
    const thread = await findThread(this.deps.db, threadId);
    if (!thread) throw exchangeError("THREAD_NOT_FOUND", 404, `no thread ${threadId}`);
    await this.service.authorize(principal, "thread.assign", threadId, agencyOf(thread));
    if (thread.direction !== "inbound")
      throw exchangeError("ASSIGN_OUTBOUND", 409, "only inbound threads are triaged; this one was sent from here");
    this.service.checkAgency(body.agency, this.deps.party, "agency");
    if (body.assignee) await this.checkAssignee(body.assignee, body.agency);
    const to = { agency: body.agency, assignee: body.assignee ?? null };
    const refused = await this.deps.changes.run(async (change) => {
      const locked = (await findThreadForUpdate(change.tx, threadId)) ?? thread;
      const from = { agency: locked.assigned_agency, assignee: locked.assignee };
      const onward = onwardOutcome(locked, await listThreadMessages(change.tx, threadId), body.agency, change.at);
      const audit = { actor: principal.id, action: "exchange.thread.assign", subject: threadId, requestId };
      if (onward.needsConsent.length > 0) {
        change.audit({ ...audit, outcome: "denied", details: { from, to, needsConsent: onward.needsConsent } });
        return onward.needsConsent;
      }
      await updateThread(change.tx, threadId, { assigned_agency: body.agency, assignee: body.assignee ?? null });
      for (const id of onward.consented) await updateMessage(change.tx, id, { holder_agency: body.agency });
      if (body.assignee) {
        await change.tx
          .insertInto("exchange_notifications")
          .values({
            id: uuidv7(change.at.getTime()),
            recipient: body.assignee,
            thread_id: threadId,
            kind: `assigned-${uuidv7()}`,
            text: `assigned to you: ${thread.subject}`,
            created_at: change.at,
            read_at: null,
          })
          .execute();
      }
      change.audit({ ...audit, outcome: "success", details: { from, to, consented: onward.consented } });
      return null;
    });
    if (refused) {
      throw exchangeError(
        "ONWARD_CONSENT_REQUIRED",
        409,
        `routing this thread to ${body.agency} discloses received content onward, which its caveats allow only with the originator's consent: ask with a consent-request naming the message (refersTo) and ${body.agency} (onwardRecipient)`,
        { needsConsent: refused },
      );
    }
    const updated = await findThread(this.deps.db, threadId);
    return this.service.threadView(updated ?? thread);
  }

  /** An assignee sees the thread, so it must be a user of the agency the thread goes to. */
  private async checkAssignee(assignee: string, agency: string) {
    if (!this.deps.userAgency) return;
    const userAgency = await this.deps.userAgency(assignee);
    if (userAgency === undefined)
      throw exchangeError("UNKNOWN_ASSIGNEE", 400, `assignee: no user ${assignee} on this node`, { assignee });
    if (userAgency !== agency)
      throw exchangeError("ASSIGNEE_OTHER_AGENCY", 400, `assignee: ${assignee} is not a user of ${agency}`, {
        assignee,
        agency,
      });
  }

  /**
   * The caller's notifications (to them, or to their role), only of threads they may read: asking is `thread.read`
   * on the one path (refused and audited for a principal without an agency or of another party), and each row is
   * filtered by the same SQL as the thread list (threadVisibleTo, held to Cedar by the visibility property test),
   * since a notification names its thread's subject.
   */
  async notifications(principal: Principal, limit = 100) {
    const { party } = this.deps;
    await this.deps.policy.authorize(principal, "thread.read", {
      type: "notifications",
      id: principal.id,
      attributes: { party, ...(principal.agency ? { agency: principal.agency } : {}) },
    });
    return this.deps.db
      .selectFrom("exchange_notifications as n")
      .innerJoin("exchange_threads as t", "t.id", "n.thread_id")
      .select([
        "n.id",
        "n.recipient",
        "n.thread_id as threadId",
        "n.kind",
        "n.text",
        "n.created_at as createdAt",
        "n.read_at as readAt",
      ])
      .where("n.recipient", "in", [principal.id, `role:${principal.role}`])
      .where(threadVisibleTo(readScopeOf(this.deps.policy, principal, party)))
      .orderBy("n.created_at", "desc")
      .limit(limit)
      .execute();
  }
}

/**
 * The marking a thread is handled at: the strictest label among its messages (Tlp lists them strictest first).
 * The list shows it as the thread's tag; a label says how to handle the thread, not what any message says.
 */
export function strictestTlp(labels: readonly string[]): (typeof Tlp.options)[number] | null {
  const ranked = Tlp.options.filter((label) => labels.includes(label));
  return ranked[0] ?? null;
}
