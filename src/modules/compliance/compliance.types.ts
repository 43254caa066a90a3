import type { ChangeContext } from "../../db/changes.ts";
import type { Principal } from "../identity/principal.ts";
import type { PolicyReason } from "../policy/policy.types.ts";

/**
 * The legal compliance gate (issue 4): every outbound disclosure and every request to the other party is
 * evaluated against the sending party's policy pack. The input mirrors `POST /api/v1/compliance/evaluate`.
 */
export interface ComplianceInput {
  kind: "disclosure" | "request";
  to: string;
  fromAgency: string;
  toAgency?: string | undefined;
  lane: string;
  legalBases: string[];
  personalData: boolean;
  purpose?: string | undefined;
  intendedUse: "intelligence" | "evidence";
  mistreatmentRisk?:
    | { level: "none" | "mitigable" | "substantial" | "undetermined"; mitigations?: string[] | undefined }
    | undefined;
  grading?: { source: "A" | "B" | "C" | "D" | "E" | "F"; information: "1" | "2" | "3" | "4" | "5" | "6" } | undefined;
  tlp: "TLP:RED" | "TLP:AMBER+STRICT" | "TLP:AMBER" | "TLP:GREEN" | "TLP:CLEAR";
  permittedUse: ("H0" | "H1" | "H2" | "H3")[];
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
}

export interface Approvals {
  request(change: ChangeContext, request: ApprovalRequest): Promise<{ approvalId: string }>;
  onDecided(kind: string, handler: (change: ChangeContext, outcome: ApprovalOutcome) => Promise<void>): void;
}
