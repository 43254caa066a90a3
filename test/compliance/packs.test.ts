import { describe, expect, it } from "vitest";
import { ComplianceService } from "../../src/modules/compliance/compliance.service.ts";
import type { ComplianceInput } from "../../src/modules/compliance/compliance.types.ts";
import { loadDomainData } from "../../src/modules/compliance/domain-data.ts";
import { defaultDomainDir } from "../../src/modules/directory/directory.domain.ts";
import { defaultPolicyDir, readSchema } from "../../src/modules/policy/policy-files.ts";

const domain = loadDomainData(process.env.LIAISON_DOMAIN_DIR ?? defaultDomainDir());
const schema = readSchema(defaultPolicyDir());
const gate = (party: string) => new ComplianceService({ policyDir: defaultPolicyDir(), schema, domain, party });
const canada = gate("CA");
const india = gate("IN");
const caOfficer = { id: "u-ca", role: "liaison-officer", party: "CA", agency: "ca-rcmp" };
const inOfficer = { id: "u-in", role: "liaison-officer", party: "IN", agency: "in-ncb" };

/** A disclosure from the RCMP that passes every Canadian rule; each case changes what it tests. */
const caBase: ComplianceInput = {
  kind: "disclosure",
  to: "IN",
  fromAgency: "ca-rcmp",
  toAgency: "in-ncb",
  lane: "drugs",
  legalBases: ["CA-PA-8-2-f", "BI-WORKPLAN-2026"],
  personalData: true,
  purpose: "Identify the consignee of a precursor shipment",
  intendedUse: "intelligence",
  mistreatmentRisk: { level: "none" },
  grading: { source: "B", information: "2" },
  tlp: "TLP:AMBER",
  permittedUse: ["H0", "H1"],
};
const inBase: ComplianceInput = {
  ...caBase,
  to: "CA",
  fromAgency: "in-ncb",
  toAgency: "ca-rcmp",
  legalBases: ["IN-DPDP-17-1-c", "BI-WORKPLAN-2026"],
  mistreatmentRisk: undefined,
  grading: undefined,
};

type Case = {
  name: string;
  change: Partial<ComplianceInput>;
  decision: string;
  policies: string[];
  instruments?: string[];
};

const canadaCases: Case[] = [
  {
    name: "complete disclosure, no risk",
    change: {},
    decision: "allow",
    policies: ["ca-baseline", "ca-send-directly"],
  },
  { name: "no legal basis named", change: { legalBases: [] }, decision: "refuse", policies: ["ca-legal-basis"] },
  {
    name: "only India's basis named",
    change: { legalBases: ["IN-DPDP-17-1-c"] },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  {
    name: "only a gate named (not a basis)",
    change: { legalBases: ["CA-ACA-2019"] },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  {
    name: "a channel is not a basis",
    change: { legalBases: ["BI-MLAT"] },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  {
    name: "a basis of both parties suffices",
    change: { legalBases: ["UN-UNTOC-ART27"] },
    decision: "allow",
    policies: ["ca-baseline", "ca-send-directly"],
  },
  {
    name: "personal information without a purpose",
    change: { purpose: undefined },
    decision: "refuse",
    policies: ["ca-purpose-for-personal-information"],
  },
  {
    name: "blank purpose counts as none",
    change: { purpose: "   " },
    decision: "refuse",
    policies: ["ca-purpose-for-personal-information"],
  },
  {
    name: "no personal information needs no purpose, assessment or grading",
    change: { personalData: false, purpose: undefined, mistreatmentRisk: undefined, grading: undefined },
    decision: "allow",
    policies: ["ca-baseline", "ca-send-directly"],
  },
  {
    name: "evidence goes through the treaty",
    change: { intendedUse: "evidence" },
    decision: "refuse",
    policies: ["ca-evidence-via-mlat"],
    instruments: ["BI-MLAT", "BI-WORKPLAN-2026", "CA-PA-8-2-f"],
  },
  {
    name: "no H1 on the police channel",
    change: { permittedUse: ["H0"] },
    decision: "refuse",
    policies: ["ca-h1-on-police-channel"],
  },
  {
    name: "H1 waived by the originator",
    change: { permittedUse: ["H0"], h1Waived: true },
    decision: "allow",
    policies: ["ca-baseline", "ca-send-directly"],
  },
  {
    name: "no risk assessment recorded",
    change: { mistreatmentRisk: undefined },
    decision: "refuse",
    policies: ["ca-aca-assessment-recorded"],
    instruments: ["BI-WORKPLAN-2026", "CA-ACA-2019", "CA-PA-8-2-f", "UN-CAT"],
  },
  {
    name: "a request of the other party needs the assessment too",
    change: { kind: "request", mistreatmentRisk: undefined },
    decision: "refuse",
    policies: ["ca-aca-assessment-recorded"],
  },
  {
    name: "mitigable risk without mitigations",
    change: { mistreatmentRisk: { level: "mitigable" } },
    decision: "refuse",
    policies: ["ca-aca-mitigations-listed"],
  },
  {
    name: "mitigable risk with mitigations",
    change: {
      mistreatmentRisk: { level: "mitigable", mitigations: ["Caveat: no detention on this information alone"] },
    },
    decision: "allow",
    policies: ["ca-baseline", "ca-send-directly", "ca-aca-mitigated"],
  },
  {
    name: "substantial risk, unmitigated",
    change: { mistreatmentRisk: { level: "substantial" } },
    decision: "refuse",
    policies: ["ca-aca-substantial-risk"],
  },
  {
    name: "substantial risk, blank mitigation does not count",
    change: { mistreatmentRisk: { level: "substantial", mitigations: ["  "] } },
    decision: "refuse",
    policies: ["ca-aca-substantial-risk"],
  },
  {
    name: "substantial risk, mitigated",
    change: { mistreatmentRisk: { level: "substantial", mitigations: ["Written assurance of humane treatment"] } },
    decision: "allow",
    policies: ["ca-baseline", "ca-send-directly", "ca-aca-mitigated"],
  },
  {
    name: "undetermined risk goes to the deputy head",
    change: { mistreatmentRisk: { level: "undetermined" } },
    decision: "escalate",
    policies: ["ca-aca-undetermined-to-deputy-head"],
    instruments: ["BI-WORKPLAN-2026", "CA-ACA-2019", "CA-PA-8-2-f", "UN-CAT"],
  },
  { name: "no grading", change: { grading: undefined }, decision: "refuse", policies: ["ca-aca-grading"] },
  {
    name: "several refusals are all named",
    change: { grading: undefined, intendedUse: "evidence", legalBases: [] },
    decision: "refuse",
    policies: ["ca-aca-grading", "ca-evidence-via-mlat", "ca-legal-basis"],
  },
  {
    name: "an agency without the directions needs no assessment",
    change: { fromAgency: "ca-hc-ocs", mistreatmentRisk: undefined, grading: undefined },
    decision: "allow",
    policies: ["ca-baseline", "ca-send-directly"],
  },
  {
    name: "undetermined risk at an agency without the directions",
    change: { fromAgency: "ca-pco-nsia", mistreatmentRisk: { level: "undetermined" } },
    decision: "allow",
    policies: ["ca-baseline", "ca-send-directly"],
  },
];

const indiaCases: Case[] = [
  {
    name: "complete disclosure under DPDP s.17(1)(c)",
    change: {},
    decision: "allow",
    policies: ["in-baseline", "in-send-directly"],
  },
  {
    name: "notified agency under s.17(2)(a)",
    change: { fromAgency: "in-ib", legalBases: ["IN-DPDP-17-2-a"] },
    decision: "allow",
    policies: ["in-baseline", "in-send-directly"],
  },
  {
    name: "personal data without a DPDP s.17 basis",
    change: { legalBases: ["BI-WORKPLAN-2026"] },
    decision: "refuse",
    policies: ["in-dpdp-17"],
    instruments: ["BI-WORKPLAN-2026", "IN-DPDP-17-1-c", "IN-DPDP-17-2-a"],
  },
  {
    name: "no personal data: the workplan suffices",
    change: { personalData: false, legalBases: ["BI-WORKPLAN-2026"] },
    decision: "allow",
    policies: ["in-baseline", "in-send-directly"],
  },
  {
    name: "Canada's basis is not India's",
    change: { personalData: false, legalBases: ["CA-PA-8-2-f"] },
    decision: "refuse",
    policies: ["in-legal-basis"],
  },
  {
    name: "no purpose for personal data",
    change: { purpose: undefined },
    decision: "refuse",
    policies: ["in-purpose-for-personal-data"],
  },
  {
    name: "evidence goes through the treaty",
    change: { intendedUse: "evidence" },
    decision: "refuse",
    policies: ["in-evidence-via-mlat"],
  },
  { name: "no H1", change: { permittedUse: ["H2"] }, decision: "refuse", policies: ["in-h1-on-police-channel"] },
  {
    name: "the Canadian mistreatment-risk gate is not India's",
    change: { mistreatmentRisk: { level: "undetermined" } },
    decision: "allow",
    policies: ["in-baseline", "in-send-directly"],
  },
  {
    name: "CERT-In under IT Act s.70B, no personal data",
    change: { fromAgency: "in-certin", lane: "cyber", personalData: false, legalBases: ["IN-IT-70B"] },
    decision: "allow",
    policies: ["in-baseline", "in-send-directly"],
  },
];

describe.each([
  { pack: "CA", service: canada, base: caBase, principal: caOfficer, cases: canadaCases },
  { pack: "IN", service: india, base: inBase, principal: inOfficer, cases: indiaCases },
])("$pack pack", ({ service, base, principal, cases }) => {
  it.each(cases)("$name -> $decision", async ({ change, decision, policies, instruments }) => {
    const result = await service.evaluate({ ...base, ...change }, principal);
    expect(result.decision).toBe(decision);
    expect(result.reasons.map((r) => r.policy).sort()).toEqual([...policies].sort());
    for (const reason of result.reasons) expect(reason.text.length).toBeGreaterThan(10);
    if (instruments) expect(result.instruments).toEqual(instruments);
    for (const id of { ...base, ...change }.legalBases) expect(result.instruments).toContain(id);
  });
});

describe("input errors are not decisions", () => {
  it.each([
    {
      name: "unknown legal basis",
      change: { legalBases: ["CA-PA-99"] },
      code: "LIAISON_COMPLIANCE_UNKNOWN_INSTRUMENT",
    },
    { name: "unknown sending agency", change: { fromAgency: "ca-nope" }, code: "LIAISON_COMPLIANCE_UNKNOWN_AGENCY" },
    {
      name: "sending agency of the other party",
      change: { fromAgency: "in-ncb" },
      code: "LIAISON_COMPLIANCE_UNKNOWN_AGENCY",
    },
    {
      name: "receiving agency of the sender's party",
      change: { toAgency: "ca-cbsa" },
      code: "LIAISON_COMPLIANCE_UNKNOWN_AGENCY",
    },
    { name: "unknown lane", change: { lane: "piracy" }, code: "LIAISON_COMPLIANCE_UNKNOWN_LANE" },
    { name: "unknown party", change: { to: "FR" }, code: "LIAISON_COMPLIANCE_UNKNOWN_PARTY" },
    { name: "to its own party", change: { to: "CA" }, code: "LIAISON_COMPLIANCE_TO_SELF" },
  ])("$name -> $code", async ({ change, code }) => {
    await expect(canada.evaluate({ ...caBase, ...change }, caOfficer)).rejects.toMatchObject({ code, status: 400 });
  });
});
