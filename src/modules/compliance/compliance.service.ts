/**
 * Compliance module: owns the legal gate every outbound disclosure and request passes. The SENDING party's
 * pack (policies/packs/<party>/) decides in Cedar: refusals.cedar first (any matching forbid refuses), then
 * escalations.cedar (any matching forbid holds the item for four-eyes approval), else allow. Facts the packs
 * need (which cited instruments are bases of the sender, which agencies are under the mistreatment-risk
 * directions) come from shared/domain. Unknown ids are input errors (400); a missing assessment or grading is a
 * decision (refuse) with a reason. See docs/policy-packs.md.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CedarValueJson } from "@cedar-policy/cedar-wasm/nodejs";
import { badRequest } from "../../core/errors.ts";
import type { Principal } from "../identity/principal.ts";
import { type CedarEntity, CedarPolicySet, reasonsOf } from "../policy/cedar-policy-set.ts";
import { invalidPolicy, loadPolicyFolder } from "../policy/policy-files.ts";
import type { ComplianceDecision, ComplianceGate, ComplianceInput } from "./compliance.types.ts";
import type { DomainData } from "./domain-data.ts";

/** A pack's escalation rules live in escalations*.cedar; every other file of the pack holds refusals. */
const isEscalationFile = (name: string) => name.startsWith("escalations");

interface PartyPack {
  refusals: CedarPolicySet;
  escalations: CedarPolicySet;
}

export interface ComplianceDeps {
  policyDir: string;
  schema: string;
  domain: DomainData;
  /** This node's party: the sender of everything it evaluates. */
  party: string;
}

export class ComplianceService implements ComplianceGate {
  private readonly packs = new Map<string, PartyPack>();

  constructor(private readonly deps: ComplianceDeps) {
    for (const party of deps.domain.parties) {
      const folder = join("packs", party.toLowerCase());
      if (!existsSync(join(deps.policyDir, folder))) continue;
      this.packs.set(party, {
        refusals: new CedarPolicySet(
          `${party} refusals`,
          loadPolicyFolder(deps.policyDir, folder, deps.schema, (name) => !isEscalationFile(name)),
        ),
        escalations: new CedarPolicySet(
          `${party} escalations`,
          loadPolicyFolder(deps.policyDir, folder, deps.schema, isEscalationFile),
        ),
      });
    }
    if (!this.packs.has(deps.party)) throw invalidPolicy(`no policy pack for this node's party ${deps.party}`);
  }

  async evaluate(input: ComplianceInput, principal: Principal): Promise<ComplianceDecision> {
    return this.evaluateSync(input, principal);
  }

  evaluateSync(input: ComplianceInput, principal: Principal): ComplianceDecision {
    const pack = this.packs.get(this.deps.party) as PartyPack;
    const disclosure = this.disclosureEntity(input);
    const user: CedarEntity = {
      uid: { type: "Liaison::User", id: principal.id },
      attrs: {
        role: principal.role,
        party: principal.party,
        names: [principal.id],
        ...(principal.agency ? { agency: principal.agency } : {}),
      },
      parents: [],
    };
    const refusal = pack.refusals.decide("disclose", user, disclosure);
    if (!refusal.allowed) return this.decision("refuse", refusal.determining, input);
    const escalation = pack.escalations.decide("disclose", user, disclosure);
    if (!escalation.allowed) return this.decision("escalate", escalation.determining, input);
    return this.decision("allow", [...refusal.determining, ...escalation.determining], input);
  }

  private decision(
    decision: ComplianceDecision["decision"],
    determining: Parameters<typeof reasonsOf>[0],
    input: ComplianceInput,
  ): ComplianceDecision {
    const instruments = new Set(input.legalBases);
    for (const policy of determining) for (const id of policy.instruments) instruments.add(id);
    return { decision, reasons: reasonsOf(determining), instruments: [...instruments].sort() };
  }

  /** Check the ids against shared/domain and turn the input into the Disclosure entity of the schema. */
  private disclosureEntity(input: ComplianceInput): CedarEntity {
    const { domain, party } = this.deps;
    if (!domain.parties.has(input.to)) {
      throw badRequest("LIAISON_COMPLIANCE_UNKNOWN_PARTY", `no party ${input.to} in the domain data`);
    }
    if (input.to === party) throw badRequest("LIAISON_COMPLIANCE_TO_SELF", "a disclosure goes to the other party");
    const from = domain.agencies.get(input.fromAgency);
    if (!from || from.party !== party) {
      throw badRequest("LIAISON_COMPLIANCE_UNKNOWN_AGENCY", `${input.fromAgency} is not an agency of ${party}`, {
        field: "fromAgency",
      });
    }
    if (input.toAgency !== undefined && domain.agencies.get(input.toAgency)?.party !== input.to) {
      throw badRequest("LIAISON_COMPLIANCE_UNKNOWN_AGENCY", `${input.toAgency} is not an agency of ${input.to}`, {
        field: "toAgency",
      });
    }
    if (!domain.lanes.has(input.lane)) throw badRequest("LIAISON_COMPLIANCE_UNKNOWN_LANE", `no lane ${input.lane}`);
    const unknown = input.legalBases.filter((id) => !domain.instruments.has(id));
    if (unknown.length > 0) {
      throw badRequest("LIAISON_COMPLIANCE_UNKNOWN_INSTRUMENT", `unknown legal instruments: ${unknown.join(", ")}`, {
        unknown,
      });
    }
    const senderBases = input.legalBases.filter((id) => {
      const instrument = domain.instruments.get(id);
      return instrument?.kind === "basis" && (instrument.party === party || instrument.party === "both");
    });
    const attrs: Record<string, CedarValueJson> = {
      kind: input.kind,
      senderParty: party,
      to: input.to,
      fromAgency: input.fromAgency,
      lane: input.lane,
      legalBases: input.legalBases,
      senderBases,
      personalData: input.personalData,
      hasPurpose: (input.purpose ?? "").trim().length > 0,
      intendedUse: input.intendedUse,
      acaDirections: from.acaDirections === true,
      mitigationCount: (input.mistreatmentRisk?.mitigations ?? []).filter((m) => m.trim().length > 0).length,
      hasGrading: input.grading !== undefined,
      tlp: input.tlp,
      permittedUse: input.permittedUse,
      h1Waived: input.h1Waived === true,
    };
    if (input.toAgency) attrs.toAgency = input.toAgency;
    if (input.mistreatmentRisk) attrs.riskLevel = input.mistreatmentRisk.level;
    return { uid: { type: "Liaison::Disclosure", id: "evaluated" }, attrs, parents: [] };
  }
}
