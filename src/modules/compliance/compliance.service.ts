/**
 * Compliance module: owns the legal gate every outbound disclosure and request passes. The SENDING party's
 * pack (policies/packs/<party>/) decides in Cedar: refusals.cedar first (any matching forbid refuses), then
 * escalations.cedar (any matching forbid holds the item for four-eyes approval), else allow. Before the pack,
 * the gate checks the caveats every message must carry (TLP:RED recipients, H3's note) exactly as a send does,
 * and computes the facts the pack cannot look up itself from shared/domain and the message: which cited bases
 * belong to the sender AND serve the sending agency (policies/packs/<party>/instruments.json), whether the
 * content is personal data whatever the caller says, whether a trial is the stated use, which claimed
 * mitigations are actually attached. Unknown ids are input errors (400); anything the law asks for that is
 * missing is a decision (refuse) with a reason. See docs/policy-packs.md.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CedarValueJson } from "@cedar-policy/cedar-wasm/nodejs";
import { type Clock, systemClock } from "../../core/clock.ts";
import { badRequest } from "../../core/errors.ts";
import type { Principal } from "../identity/principal.ts";
import { type CedarEntity, CedarPolicySet, reasonsOf } from "../policy/cedar-policy-set.ts";
import { invalidPolicy, loadPolicyFolder } from "../policy/policy-files.ts";
import type { Mitigation } from "./compliance.fields.ts";
import { carriesPersonalData, checkGateInput, statesPurpose, statesTrialUse } from "./compliance.gate-input.ts";
import { checkMitigations, type MitigationCheck } from "./compliance.mitigations.ts";
import type { ComplianceDecision, ComplianceGate, ComplianceInput } from "./compliance.types.ts";
import type { DomainData, Instrument } from "./domain-data.ts";

/** A pack's escalation rules live in escalations*.cedar; every other file of the pack holds refusals. */
const isEscalationFile = (name: string) => name.startsWith("escalations");

interface PartyPack {
  refusals: CedarPolicySet;
  escalations: CedarPolicySet;
  /** Instrument id -> the agencies it serves, where it does not serve every agency of its party. */
  scopes: Map<string, ReadonlySet<string>>;
}

/**
 * Escalations that only a determination can close (ACA direction 1(3)): the deputy head may authorise only on
 * determining that the risk can be mitigated, with the measures attached. Approvals asks for both.
 */
export const RISK_DETERMINATION_POLICIES: ReadonlySet<string> = new Set(["ca-aca-undetermined-to-deputy-head"]);
export const needsRiskDetermination = (decision: ComplianceDecision | null | undefined) =>
  (decision?.reasons ?? []).some((r) => RISK_DETERMINATION_POLICIES.has(r.policy));

export interface ComplianceDeps {
  policyDir: string;
  schema: string;
  domain: DomainData;
  /** This node's party: the sender of everything it evaluates. */
  party: string;
  /** For dating written assurances (none may be given after the evaluation). */
  clock?: Clock;
}

export class ComplianceService implements ComplianceGate {
  private readonly packs = new Map<string, PartyPack>();
  /** legal-bases.json's instruments and those the packs declare (a party's own instrument the domain lacks). */
  private readonly instruments: Map<string, Instrument>;

  constructor(private readonly deps: ComplianceDeps) {
    this.instruments = new Map(deps.domain.instruments);
    for (const party of deps.domain.parties) {
      const folder = join("packs", party.toLowerCase());
      if (!existsSync(join(deps.policyDir, folder))) continue;
      this.packs.set(party, {
        scopes: loadScopes(deps.policyDir, folder, party, deps.domain, this.instruments),
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
    checkGateInput(input);
    const disclosure = this.disclosureEntity(input, pack);
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

  /**
   * Checks the claimed measures against the input they claim to protect (also used by Approvals for the
   * deputy head's measures).
   */
  checkMitigations(measures: readonly Mitigation[], input: ComplianceInput): MitigationCheck[] {
    return checkMitigations(measures, input, (this.deps.clock ?? systemClock).now());
  }

  /** Check the ids against shared/domain and turn the input into the Disclosure entity of the schema. */
  private disclosureEntity(input: ComplianceInput, pack: PartyPack): CedarEntity {
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
    const unknown = input.legalBases.filter((id) => !this.instruments.has(id));
    if (unknown.length > 0) {
      throw badRequest("LIAISON_COMPLIANCE_UNKNOWN_INSTRUMENT", `unknown legal instruments: ${unknown.join(", ")}`, {
        unknown,
      });
    }
    // A basis counts only if it belongs to the sender's party (or both) AND serves the sending agency: CSIS Act
    // s. 17(1)(b) authorises nothing the RCMP discloses.
    const senderBases: string[] = [];
    const unservedBases: string[] = [];
    for (const id of input.legalBases) {
      const instrument = this.instruments.get(id);
      if (instrument?.kind !== "basis" || (instrument.party !== party && instrument.party !== "both")) continue;
      const serves = instrument.agencies ? new Set(instrument.agencies) : pack.scopes.get(id);
      if (serves && !serves.has(input.fromAgency)) unservedBases.push(id);
      else senderBases.push(id);
    }
    const personalData = carriesPersonalData(input);
    const risk = input.mistreatmentRisk;
    const checks = this.checkMitigations(risk?.mitigations ?? [], input);
    const attrs: Record<string, CedarValueJson> = {
      kind: input.kind,
      senderParty: party,
      to: input.to,
      fromAgency: input.fromAgency,
      lane: input.lane,
      legalBases: input.legalBases,
      senderBases,
      unservedBases,
      personalData,
      // A recorded risk of mistreatment is a risk to an individual, whatever the data is called.
      concernsIndividual: personalData || (risk !== undefined && risk.level !== "none"),
      hasPurpose: statesPurpose(input),
      intendedUse: input.intendedUse,
      statedTrialUse: statesTrialUse(input),
      acaDirections: from.acaDirections === true,
      mitigationCount: checks.filter((c) => c.attached).length,
      unattachedMitigations: checks.filter((c) => !c.attached).length,
      hasGrading: input.grading !== undefined,
      tlp: input.tlp,
      permittedUse: input.permittedUse,
      h1Waived: input.h1Waived === true,
    };
    if (input.toAgency) attrs.toAgency = input.toAgency;
    if (risk) attrs.riskLevel = risk.level;
    return { uid: { type: "Liaison::Disclosure", id: "evaluated" }, attrs, parents: [] };
  }
}

/**
 * policies/packs/<party>/instruments.json: which agencies an instrument serves, checked against the domain. An
 * entry with a `title` and a `kind` declares an instrument of the pack's party that legal-bases.json does not list
 * (Canada's Precursor Control Regulations); it is added to `instruments`.
 */
function loadScopes(
  policyDir: string,
  folder: string,
  party: string,
  domain: DomainData,
  instruments: Map<string, Instrument>,
): Map<string, ReadonlySet<string>> {
  const file = join(policyDir, folder, "instruments.json");
  const scopes = new Map<string, ReadonlySet<string>>();
  if (!existsSync(file)) return scopes;
  let parsed: { instruments?: Record<string, { agencies?: unknown; title?: unknown; kind?: unknown }> };
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw invalidPolicy(`${file}: ${(error as Error).message}`);
  }
  for (const [id, entry] of Object.entries(parsed.instruments ?? {})) {
    const agencies = entry.agencies;
    if (!domain.instruments.has(id)) {
      const kind = entry.kind;
      if (typeof entry.title !== "string" || (kind !== "basis" && kind !== "gate" && kind !== "channel")) {
        throw invalidPolicy(`${file}: no instrument ${id} in the domain data (declare it with a title and a kind)`);
      }
      if (!id.startsWith(`${party}-`)) throw invalidPolicy(`${file}: ${id} is not an instrument of ${party}`);
      instruments.set(id, { id, party, kind, title: entry.title });
    }
    if (!Array.isArray(agencies) || agencies.some((a) => typeof a !== "string" || !domain.agencies.has(a))) {
      throw invalidPolicy(`${file}: ${id}.agencies must list agency ids of agencies.json`);
    }
    scopes.set(id, new Set(agencies as string[]));
  }
  return scopes;
}
