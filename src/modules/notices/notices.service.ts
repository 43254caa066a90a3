/**
 * Notices module: owns liaison notices, short texts from one party's officers to the other's. They are the
 * first message type and use the whole path end to end: outbox, envelope, inbox, receipt. A notice is free text
 * to the other party, so it passes the sender's compliance gate first, and its caveats travel with it. Notices
 * have no four-eyes path: one the gate escalates is refused, to be sent as an exchange disclosure instead.
 */
import type { Clock } from "../../core/clock.ts";
import { badRequest, LiaisonError } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { ComplianceDecision, ComplianceGate } from "../compliance/compliance.types.ts";
import type { EnvelopeHandler } from "../federation/envelope-handlers.ts";
import type { FederationService } from "../federation/federation.service.ts";
import type { Principal } from "../identity/principal.ts";
import { insertNotice, insertNotices, listNotices } from "./notices.repository.ts";
import { NoticeEnvelopeBody, type SendNoticeRequest } from "./notices.schema.ts";

export const NOTICE_ENVELOPE_TYPE = "notice.sent";

export interface NoticesDeps {
  db: Db;
  clock: Clock;
  party: string;
  changes: ChangeRunner;
  federation: FederationService;
  compliance: ComplianceGate;
}

export class NoticesService {
  constructor(private readonly deps: NoticesDeps) {}

  async send(request: SendNoticeRequest, principal: Principal, requestId?: string) {
    if (request.to === this.deps.party)
      throw badRequest("LIAISON_NOTICE_TO_SELF", "a notice goes to the other party, not to this node's own party");
    const id = uuidv7();
    const decision = await this.gate(id, request, principal, requestId);
    const sealed = await this.deps.federation.prepare(request.to, NOTICE_ENVELOPE_TYPE, {
      noticeId: id,
      text: request.text,
      sentBy: principal.id,
      tlp: request.tlp,
      permittedUse: request.permittedUse,
    });
    await this.deps.changes.run(async (change) => {
      await insertNotice(change.tx, {
        id,
        envelope_id: sealed.envelopeId,
        direction: "outbound",
        from_party: this.deps.party,
        to_party: request.to,
        text: request.text,
        sent_by: principal.id,
        created_at: change.at,
        tlp: request.tlp,
        permitted_use: request.permittedUse,
      });
      change.send(sealed);
      change.audit({
        actor: principal.id,
        action: "notice.send",
        subject: id,
        outcome: "success",
        requestId,
        details: { to: request.to, envelopeId: sealed.envelopeId, digest: sealed.digest, decision },
      });
    });
    return {
      id,
      envelopeId: sealed.envelopeId,
      from: this.deps.party,
      to: request.to,
      text: request.text,
      tlp: request.tlp,
      permittedUse: request.permittedUse,
      status: "queued",
    };
  }

  /**
   * The sender's pack decides, on the notice as a disclosure from the sender's agency. Anything but allow sends
   * nothing and is audited (`notice.blocked`).
   */
  private async gate(
    id: string,
    request: SendNoticeRequest,
    principal: Principal,
    requestId?: string,
  ): Promise<ComplianceDecision> {
    if (!principal.agency) {
      throw new LiaisonError(
        "LIAISON_NOTICE_NO_AGENCY",
        403,
        "a notice is a disclosure from an agency, and the compliance gate decides it for that agency: this principal has none",
      );
    }
    const decision = await this.deps.compliance.evaluate(
      {
        kind: "disclosure",
        to: request.to,
        fromAgency: principal.agency,
        lane: request.lane,
        text: request.text,
        legalBases: request.legalBases,
        personalData: request.personalData,
        purpose: request.purpose,
        intendedUse: "intelligence",
        tlp: request.tlp,
        permittedUse: request.permittedUse,
        h1Waived: request.h1Waived,
      },
      principal,
    );
    if (decision.decision === "allow") return decision;
    await this.deps.changes.run(async (change) => {
      change.audit({
        actor: principal.id,
        action: "notice.blocked",
        subject: id,
        outcome: "denied",
        requestId,
        details: { to: request.to, decision },
      });
    });
    if (decision.decision === "refuse") {
      throw new LiaisonError(
        "LIAISON_NOTICE_COMPLIANCE_REFUSED",
        422,
        "the compliance gate refused this notice; nothing was sent",
        {
          decision,
        },
      );
    }
    throw new LiaisonError(
      "LIAISON_NOTICE_NEEDS_APPROVAL",
      422,
      "the compliance gate holds this notice for four-eyes approval, which notices do not have: send it as an exchange disclosure; nothing was sent",
      { decision },
    );
  }

  async list(options: Parameters<typeof listNotices>[1]) {
    const rows = await listNotices(this.deps.db, options);
    const delivery = await this.deps.federation.deliveryStatus(
      rows.filter((r) => r.direction === "outbound" && r.envelopeId).map((r) => r.envelopeId as string),
    );
    return rows.map((row) => {
      const sent = row.envelopeId ? delivery.get(row.envelopeId) : undefined;
      return {
        ...row,
        deliveredAt: sent?.deliveredAt ?? null,
        lastErrorCode: sent?.lastErrorCode ?? null,
        status:
          row.direction === "inbound" ? "received" : sent?.status === "pending" ? "queued" : (sent?.status ?? "queued"),
      };
    });
  }

  /** Receiving side: store the notices in the inbox transaction, a batch's worth in one insert. */
  envelopeHandler(): EnvelopeHandler<typeof NoticeEnvelopeBody> {
    const handleMany: NonNullable<EnvelopeHandler<typeof NoticeEnvelopeBody>["handleMany"]> = async (
      change,
      envelopes,
    ) => {
      await insertNotices(
        change.tx,
        envelopes.map(({ payload }) => ({
          id: payload.body.noticeId,
          envelope_id: payload.id,
          direction: "inbound" as const,
          from_party: payload.from,
          to_party: payload.to,
          text: payload.body.text,
          sent_by: payload.body.sentBy,
          created_at: change.at,
          tlp: payload.body.tlp ?? null,
          permitted_use: payload.body.permittedUse ?? null,
        })),
      );
      change.audit(
        ...envelopes.map(({ payload }) => ({
          actor: `peer:${payload.from}`,
          action: "notice.receive",
          subject: payload.body.noticeId,
          outcome: "success",
        })),
      );
    };
    return {
      type: NOTICE_ENVELOPE_TYPE,
      versions: [1],
      body: NoticeEnvelopeBody,
      handle: (change, envelope) => handleMany(change, [envelope]),
      handleMany,
    };
  }
}
