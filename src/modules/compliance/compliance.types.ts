import type { ChangeContext } from "../../db/changes.ts";
import type { Principal } from "../identity/principal.ts";
import type { PolicyReason } from "../policy/policy.types.ts";
import type { IntendedUse, MistreatmentRisk, Mitigation, PurposeCode } from "./compliance.fields.ts";

/**
 * The legal compliance gate (issues 4, 22): every outbound disclosure and every request to the other party is
 * evaluated against the sending party's policy pack. It is the message's own fields (compliance.fields.ts) plus
 * where it goes; `gateInputOf` (compliance.gate-input.ts) builds it from a message, for a send and for
 * `POST /api/v1/compliance/evaluate` alike. The gate derives what the caller may not lower (personal data from
 * the entities and data subjects; evidential use from a stated trial) and verifies the claimed mitigations.
 */
export interface ComplianceInput {
  kind: "disclosure" | "request";
  to: string;
  fromAgency: string;
  toAgency?: string | undefined;
  lane: string;
  legalBases: string[];
  /** As the caller states it: the gate raises it from the content, never lowers it. */
  personalData: boolean;
  /** The people the message concerns, by name or reference. */
  dataSubjects?: string[] | undefined;
  /** The message's structured entities (their `type` tells the gate whether they identify a person). */
  entities?: readonly { type: string }[] | undefined;
  /** The message's text: a request that states a trial as its use is evidential. */
  text?: string | undefined;
  purpose?: string | undefined;
  purposeCode?: PurposeCode | undefined;
  intendedUse: IntendedUse;
  mistreatmentRisk?: MistreatmentRisk | undefined;
  grading?: { source: "A" | "B" | "C" | "D" | "E" | "F"; information: "1" | "2" | "3" | "4" | "5" | "6" } | undefined;
  tlp: "TLP:RED" | "TLP:AMBER+STRICT" | "TLP:AMBER" | "TLP:GREEN" | "TLP:CLEAR";
  permittedUse: ("H0" | "H1" | "H2" | "H3")[];
  /** H3's restriction, in words. */
  handlingNote?: string | undefined;
  /** TLP:RED's named recipients at the receiving party. */
  recipients?: string[] | undefined;
  /** The originator waives H1 on the police channel; without it, information sent there must carry H1. */
  h1Waived?: boolean | undefined;
}

export interface ComplianceDecision {
  decision: "allow" | "refuse" | "escalate";
  reasons: PolicyReason[];
  /** Ids of the legal instruments involved (shared/domain/legal-bases.json). */
  instruments: string[];
}

export interface ComplianceGate {
  /** Pure evaluation: sends nothing, stores nothing (the caller audits the decision in its own change). */
  evaluate(input: ComplianceInput, principal: Principal): Promise<ComplianceDecision>;
}

/**
 * Four-eyes approvals. A module whose outbound action was escalated queues it with `request` inside its own
 * change; when an approver (same party, not the requester) decides, the module's registered handler runs inside
 * the approval's change and sends (or drops) the held item.
 */
export interface ApprovalRequest {
  /** Which module's handler completes it, e.g. `exchange.message`. */
  kind: string;
  /** The held item's id in that module. */
  subjectId: string;
  requester: Principal;
  input: ComplianceInput;
  decision: ComplianceDecision;
  summary: string;
}

export interface ApprovalOutcome {
  approvalId: string;
  kind: string;
  subjectId: string;
  approved: boolean;
  approver: Principal;
  basis: string;
  /**
   * For a case escalated because the mistreatment risk could not be determined (ACA direction 1(3)): the
   * deputy head's determination and the measures, each verified as attached to the held message.
   */
  determination?: "risk-can-be-mitigated" | "risk-cannot-be-mitigated" | undefined;
  measures?: Mitigation[] | undefined;
}

/** A send the gate refused, kept (without its content) for the yearly report's refusals by rule. */
export interface RefusalRecord {
  /** The refused item's id in its module (e.g. the message id). */
  subjectId: string;
  requester: Principal;
  input: ComplianceInput;
  decision: ComplianceDecision;
}

export interface Approvals {
  request(change: ChangeContext, request: ApprovalRequest): Promise<{ approvalId: string }>;
  onDecided(kind: string, handler: (change: ChangeContext, outcome: ApprovalOutcome) => Promise<void>): void;
  /** Records a refused send inside the sender's change (the yearly report counts refusals by rule). */
  recordRefusal(change: ChangeContext, refusal: RefusalRecord): Promise<void>;
}
