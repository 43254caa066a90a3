import { LiaisonError } from "../../core/errors.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { ComplianceDecision, ComplianceGate } from "../compliance/compliance.types.ts";
import type { Entity } from "../exchange/exchange.entities.ts";
import type { Principal } from "../identity/principal.ts";

/** What each outgoing step of the lane tells the gate besides where it goes. */
export interface PrecursorDisclosure {
  to: string;
  fromAgency: string;
  toAgency?: string | undefined;
  legalBases: string[];
  /** A natural person among the named parties, or an identifying entity: the gate raises it from entities too. */
  personalData: boolean;
  entities?: readonly Entity[] | undefined;
  text?: string | undefined;
  tlp: "TLP:AMBER+STRICT" | "TLP:AMBER" | "TLP:GREEN" | "TLP:CLEAR";
  permittedUse: ("H0" | "H1" | "H2" | "H3")[];
  gate: {
    purpose?: string | undefined;
    purposeCode?: Parameters<ComplianceGate["evaluate"]>[0]["purposeCode"];
    h1Waived?: boolean | undefined;
    mistreatmentRisk?: Parameters<ComplianceGate["evaluate"]>[0]["mistreatmentRisk"];
    grading?: Parameters<ComplianceGate["evaluate"]>[0]["grading"];
  };
}

/**
 * Every notification, step and incident is a disclosure to the other party: the sender's pack decides it, on the
 * drugs lane, for the sending agency, exactly as for notices and exchange messages. Anything but allow sends
 * nothing, is audited (`precursor.blocked`) and leaves as a 422 with the decision. The lane has no four-eyes
 * path of its own: what the gate holds for approval is sent as an exchange disclosure instead.
 */
export async function passGate(
  deps: { compliance: ComplianceGate; changes: ChangeRunner },
  disclosure: PrecursorDisclosure,
  principal: Principal,
  subject: string,
  action: string,
): Promise<ComplianceDecision> {
  const decision = await deps.compliance.evaluate(
    {
      kind: "disclosure",
      to: disclosure.to,
      fromAgency: disclosure.fromAgency,
      toAgency: disclosure.toAgency,
      lane: "drugs",
      legalBases: disclosure.legalBases,
      personalData: disclosure.personalData,
      entities: disclosure.entities,
      text: disclosure.text,
      purpose: disclosure.gate.purpose,
      purposeCode: disclosure.gate.purposeCode,
      intendedUse: "intelligence",
      mistreatmentRisk: disclosure.gate.mistreatmentRisk,
      grading: disclosure.gate.grading,
      tlp: disclosure.tlp,
      permittedUse: disclosure.permittedUse,
      h1Waived: disclosure.gate.h1Waived,
    },
    principal,
  );
  if (decision.decision === "allow") return decision;
  await deps.changes.run(async (change) => {
    change.audit({
      actor: principal.id,
      action: "precursor.blocked",
      subject,
      outcome: "denied",
      requestId: principal.requestId,
      details: { step: action, to: disclosure.to, decision },
    });
  });
  if (decision.decision === "refuse") {
    throw new LiaisonError(
      "LIAISON_PRECURSORS_COMPLIANCE_REFUSED",
      422,
      "the compliance gate refused this; nothing was stored or sent",
      { decision },
    );
  }
  throw new LiaisonError(
    "LIAISON_PRECURSORS_NEEDS_APPROVAL",
    422,
    "the compliance gate holds this for four-eyes approval, which the precursors lane does not have: send it as an exchange disclosure; nothing was stored or sent",
    { decision },
  );
}
