/**
 * Exchange module: owns threads between the two parties and their messages (requests, responses, disclosures,
 * alerts, acknowledgements, consent for onward disclosure, withdrawals), their entities and encrypted
 * attachments, triage and assignment, read state, deadlines with reminders, search and statistics. Every outbound
 * message passes the compliance gate; escalated ones wait for a four-eyes approval before they are sealed.
 */
import type { Clock } from "../../core/clock.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { Approvals, ComplianceDecision, ComplianceGate } from "../compliance/compliance.types.ts";
import type { FederationService } from "../federation/federation.service.ts";
import type { Principal } from "../identity/principal.ts";
import type { Action } from "../policy/policy.service.ts";
import type { Authorizer } from "../policy/policy.types.ts";
import { type CheckedAttachment, checkAttachment, encryptAttachment } from "./exchange.attachments.ts";
import { complianceInputOf, envelopeBodyOf, outboundMessageRow } from "./exchange.compose.ts";
import { isGated } from "./exchange.content.ts";
import { type DeadlineTable, deadlinesFor } from "./exchange.deadlines.ts";
import { eraseMessage } from "./exchange.erasure.ts";
import { exchangeError } from "./exchange.errors.ts";
import {
  type ExchangeMessagesTable,
  type ExchangeThreadsTable,
  findMessage,
  findThread,
  insertAttachment,
  insertMessage,
  insertThread,
  updateMessage,
  updateThread,
} from "./exchange.repository.ts";
import { checkKindRules } from "./exchange.rules.ts";
import { AddMessageRequest, type CreateThreadRequest } from "./exchange.schema.ts";

export const MESSAGE_ENVELOPE_TYPE = "exchange.message";
export const WITHDRAWAL_CONFIRMED_ENVELOPE_TYPE = "exchange.withdrawal-confirmed";
export const APPROVAL_KIND = "exchange.message";

export interface ExchangeDeps {
  db: Db;
  clock: Clock;
  party: string;
  changes: ChangeRunner;
  federation: FederationService;
  compliance: ComplianceGate;
  approvals: Approvals;
  policy: Authorizer;
  /** Agencies by id with their party (shared/domain/agencies.json through the directory). */
  agencies: ReadonlyMap<string, { party: string }>;
  /** The node's key for attachments at rest. */
  attachmentKey: Buffer;
  /** Deadlines by priority: handling.json's, or the agreement's own. */
  deadlines: DeadlineTable;
  attachmentMaxBytes: number;
  /** The peer refuses bigger envelopes (federation.maxEnvelopeBytes): check before anything is stored. */
  maxEnvelopeBytes: number;
  /**
   * The agency of a user of this node, by id or username (identity's users); undefined: no such user. Triage
   * checks that an assignee belongs to the agency the thread goes to.
   */
  userAgency?: (user: string) => Promise<string | null | undefined>;
}

/** What the caller learns about a message it sent: where it went and, for gated kinds, why. */
export interface SentMessage {
  id: string;
  kind: string;
  status: string;
  envelopeId: string | null;
  decision: ComplianceDecision | null;
  approvalId: string | null;
}

export class ExchangeService {
  constructor(readonly deps: ExchangeDeps) {}

  requireAgency(principal: Principal): string {
    if (!principal.agency) {
      throw exchangeError("NO_AGENCY", 403, "only users of an agency take part in exchanges; this principal has none");
    }
    return principal.agency;
  }

  /**
   * The one path (policies/access/exchange.cedar): the resource is the thread, owned by its agency here. A
   * refusal is audited; a thread the caller may not touch looks exactly like one that does not exist.
   */
  async authorize(principal: Principal, action: Action, id: string, agency: string | null): Promise<void> {
    const attributes = { party: this.deps.party, ...(agency ? { agency } : {}) };
    await this.deps.policy.authorize(
      principal,
      action,
      { type: "thread", id, attributes },
      ["thread.create", "search"].includes(action)
        ? {}
        : { hideExistence: { code: "LIAISON_EXCHANGE_THREAD_NOT_FOUND", message: `no thread ${id}` } },
    );
  }

  checkAgency(agency: string, party: string, field: string): void {
    const known = this.deps.agencies.get(agency);
    if (!known || known.party !== party) {
      throw exchangeError("UNKNOWN_AGENCY", 400, `${field}: ${agency} is not an agency of ${party}`, { field, agency });
    }
  }

  async createThread(request: CreateThreadRequest, principal: Principal, requestId?: string) {
    const fromAgency = this.requireAgency(principal);
    await this.authorize(principal, "thread.create", "new", fromAgency);
    if (request.to === this.deps.party)
      throw exchangeError("TO_SELF", 400, "a thread goes to the other party, not to this node's own party");
    const toAgency = request.message.toAgency ?? request.toAgency ?? null;
    if (toAgency) this.checkAgency(toAgency, request.to, "toAgency");
    const now = this.deps.clock.now();
    const threadId = uuidv7(now.getTime());
    const due = deadlinesFor(this.deps.deadlines, request.message.kind, request.message.priority, now);
    const thread: ExchangeThreadsTable = {
      id: threadId,
      lane: request.lane,
      subject: request.subject,
      direction: "outbound",
      peer_party: request.to,
      from_agency: fromAgency,
      to_agency: toAgency,
      assigned_agency: fromAgency,
      assignee: principal.id,
      priority: request.message.priority,
      started_at: now,
      acknowledge_by: due.acknowledgeBy,
      respond_by: due.respondBy,
      acknowledged_at: null,
      responded_at: null,
      created_by: principal.id,
      created_at: now,
      last_message_at: now,
    };
    const message = await this.send(thread, true, AddMessageRequest.parse(request.message), principal, requestId);
    return { ...this.threadView(thread), messages: [message] };
  }

  async addMessage(threadId: string, input: AddMessageRequest, principal: Principal, requestId?: string) {
    this.requireAgency(principal);
    const thread = await findThread(this.deps.db, threadId);
    if (!thread) throw exchangeError("THREAD_NOT_FOUND", 404, `no thread ${threadId}`);
    await this.authorize(principal, "message.send", threadId, agencyOf(thread));
    return this.send(thread, false, input, principal, requestId);
  }

  threadView(t: ExchangeThreadsTable) {
    return {
      id: t.id,
      lane: t.lane,
      subject: t.subject,
      direction: t.direction,
      peer: t.peer_party,
      fromAgency: t.from_agency,
      toAgency: t.to_agency,
      assignedAgency: t.assigned_agency,
      assignee: t.assignee,
      priority: t.priority,
      startedAt: t.started_at,
      deadlines: {
        acknowledgeBy: t.acknowledge_by,
        respondBy: t.respond_by,
        acknowledgedAt: t.acknowledged_at,
        respondedAt: t.responded_at,
      },
    };
  }

  private async send(
    thread: ExchangeThreadsTable,
    isNew: boolean,
    input: AddMessageRequest,
    principal: Principal,
    requestId?: string,
  ) {
    const fromAgency = this.requireAgency(principal);
    // A reply goes to the counterpart: on an inbound thread that is the agency that wrote to us, not our own.
    const counterpart = thread.direction === "inbound" ? thread.from_agency : thread.to_agency;
    const toAgency = input.toAgency ?? counterpart ?? null;
    if (input.toAgency) this.checkAgency(input.toAgency, thread.peer_party, "toAgency");
    await checkKindRules(this.deps.db, thread, isNew, input);
    const checked: (CheckedAttachment & { id: string })[] = (input.attachments ?? []).map((a, i) => ({
      ...checkAttachment(a, this.deps.attachmentMaxBytes, i),
      id: uuidv7(),
    }));
    const id = uuidv7();
    const at = this.deps.clock.now();
    const row = outboundMessageRow({ id, threadId: thread.id, input, fromAgency, toAgency, sentBy: principal.id, at });

    // Every message that carries content passes the gate, whatever its kind (exchange.content.ts).
    const gated = isGated(input);
    const complianceInput = complianceInputOf({
      input,
      to: thread.peer_party,
      fromAgency,
      toAgency,
      lane: thread.lane,
    });
    const decision = gated ? await this.deps.compliance.evaluate(complianceInput, principal) : null;
    const auditBase = { actor: principal.id, subject: id, requestId };
    if (decision?.decision === "refuse") {
      await this.deps.changes.run(async (change) => {
        // Counted by rule in the yearly report (no content is kept there).
        await this.deps.approvals.recordRefusal(change, {
          subjectId: id,
          requester: principal,
          input: complianceInput,
          decision,
        });
        change.audit({
          ...auditBase,
          action: "exchange.message.blocked",
          outcome: "denied",
          details: { threadId: thread.id, kind: input.kind, decision },
        });
      });
      throw exchangeError("COMPLIANCE_REFUSED", 422, "the compliance gate refused this message; nothing was sent", {
        decision,
      });
    }
    row.decision = decision;
    // Sealed now even when it must wait for approval, to know it will fit; the approved one is sealed afresh.
    const prepared = await this.deps.federation.prepare(
      thread.peer_party,
      MESSAGE_ENVELOPE_TYPE,
      envelopeBodyOf(thread, row, checked) as unknown as Record<string, unknown>,
    );
    const size = Buffer.byteLength(prepared.jwe);
    if (size > this.deps.maxEnvelopeBytes) {
      throw exchangeError(
        "MESSAGE_TOO_LARGE",
        413,
        `sealed, this message is ${size} bytes; the other node accepts at most ${this.deps.maxEnvelopeBytes} (attachments grow by about 2.4 times once encoded, signed and encrypted)`,
        { maxEnvelopeBytes: this.deps.maxEnvelopeBytes },
      );
    }
    const sealed = decision?.decision === "escalate" ? null : prepared;
    return this.deps.changes.run(async (change) => {
      if (isNew) await insertThread(change.tx, { ...thread, created_at: change.at, last_message_at: change.at });
      row.created_at = change.at;
      row.envelope_id = sealed?.envelopeId ?? null;
      row.status = sealed ? "sent" : "pending-approval";
      await insertMessage(change.tx, row);
      for (const a of checked) {
        await insertAttachment(change.tx, {
          id: a.id,
          message_id: id,
          name: a.name,
          content_type: a.contentType,
          size: a.size,
          sha256: a.sha256,
          ...encryptAttachment(this.deps.attachmentKey, a.id, a.bytes),
        });
      }
      if (sealed) {
        // A thread inserted just now already holds its clocks; only a later message moves them.
        if (!isNew) await this.afterSent(change, thread, row);
        change.send(sealed);
      } else {
        const { approvalId } = await this.deps.approvals.request(change, {
          kind: APPROVAL_KIND,
          subjectId: id,
          requester: principal,
          input: complianceInput,
          decision: decision as ComplianceDecision,
          summary: `${input.kind} to ${thread.peer_party} on "${thread.subject}" (${thread.lane})`,
        });
        row.approval_id = approvalId;
        await updateMessage(change.tx, id, { approval_id: approvalId });
      }
      change.audit({
        ...auditBase,
        action: sealed ? "exchange.message.send" : "exchange.message.escalate",
        outcome: "success",
        details: {
          threadId: thread.id,
          kind: input.kind,
          to: thread.peer_party,
          envelopeId: sealed?.envelopeId,
          digest: sealed?.digest,
          decision,
          attachments: checked.map((a) => ({ id: a.id, sha256: a.sha256, size: a.size })),
        },
      });
      return {
        id,
        kind: row.kind,
        status: row.status,
        envelopeId: row.envelope_id,
        decision,
        approvalId: row.approval_id,
      } satisfies SentMessage;
    });
  }

  /** Bookkeeping once a message leaves: the thread's clocks, and withdrawals marked on this side too. */
  async afterSent(change: ChangeContext, thread: ExchangeThreadsTable, row: ExchangeMessagesTable) {
    await updateThread(change.tx, thread.id, { last_message_at: change.at, ...progressOf(thread, row, change.at) });
    if (row.kind === "withdrawal" && row.refers_to) {
      await updateMessage(change.tx, row.refers_to, { withdrawn_at: change.at });
      const target = await findMessage(change.tx, row.refers_to);
      if (target) await eraseMessage(change, this.deps.federation, target, row.sent_by);
    }
  }
}

/** The agency a thread belongs to on this node: its sender's for outbound, the routed one for inbound. */
export function agencyOf(t: Pick<ExchangeThreadsTable, "direction" | "from_agency" | "to_agency" | "assigned_agency">) {
  return t.direction === "outbound" ? t.from_agency : (t.assigned_agency ?? t.to_agency);
}

/**
 * A message moving against the thread's direction (the receiver answering) stops the clocks: an acknowledgement
 * stops the acknowledge clock, a response both.
 */
export function progressOf(
  thread: Pick<ExchangeThreadsTable, "direction" | "acknowledged_at" | "responded_at">,
  message: Pick<ExchangeMessagesTable, "direction" | "kind">,
  at: Date,
): Partial<ExchangeThreadsTable> {
  if (thread.direction === message.direction) return {};
  const patch: Partial<ExchangeThreadsTable> = {};
  if (["acknowledgement", "response"].includes(message.kind) && !thread.acknowledged_at) patch.acknowledged_at = at;
  if (message.kind === "response" && !thread.responded_at) patch.responded_at = at;
  return patch;
}
