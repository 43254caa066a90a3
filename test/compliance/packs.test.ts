import { describe, expect, it } from "vitest";
import { domainDir } from "../../src/config/domain-dir.ts";
import { ManualClock } from "../../src/core/clock.ts";
import type { Mitigation } from "../../src/modules/compliance/compliance.fields.ts";
import { ComplianceService } from "../../src/modules/compliance/compliance.service.ts";
import type { ComplianceInput } from "../../src/modules/compliance/compliance.types.ts";
import { loadDomainData } from "../../src/modules/compliance/domain-data.ts";
import { defaultPolicyDir, readSchema } from "../../src/modules/policy/policy-files.ts";

/**
 * One table per pack, one group of rows per rule, each row named by the rule and the law it applies. Every
 * rule has rows that allow, refuse and (where the law escalates) escalate; kinds `disclosure` and `request` are
 * both decided (a request about a person tells the other party whom we are interested in).
 */
const domain = loadDomainData(domainDir());
const schema = readSchema(defaultPolicyDir());
const clock = new ManualClock("2026-06-01T10:00:00Z");
const gate = (party: string) => new ComplianceService({ policyDir: defaultPolicyDir(), schema, domain, party, clock });
const canada = gate("CA");
const india = gate("IN");
const caOfficer = { id: "u-ca", role: "liaison-officer", party: "CA", agency: "ca-rcmp" };
const inOfficer = { id: "u-in", role: "liaison-officer", party: "IN", agency: "in-ncb" };

const assurance: Mitigation = {
  measure: "written-assurance",
  givenBy: "Director General, NCB Operations, New Delhi",
  givenAt: "2026-05-20",
  summary: "No person will be detained or questioned on the strength of this information alone; humane treatment.",
};
const h2: Mitigation = { measure: "caveat-h2" };
const amber: Mitigation = { measure: "caveat-tlp-amber-or-narrower" };

/** A disclosure from the RCMP that passes every Canadian rule; each case changes what it tests. */
const caBase: ComplianceInput = {
  kind: "disclosure",
  to: "IN",
  fromAgency: "ca-rcmp",
  toAgency: "in-ncb",
  lane: "drugs",
  legalBases: ["CA-PA-8-2-f", "BI-WORKPLAN-2026"],
  personalData: true,
  purposeCode: "precursor-diversion",
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
  rule: string;
  law: string;
  name: string;
  change: Partial<ComplianceInput>;
  decision: "allow" | "refuse" | "escalate";
  policies: string[];
  instruments?: string[];
};

const CA_OK = ["ca-baseline", "ca-send-directly"];
const IN_OK = ["in-baseline", "in-send-directly"];
const noPersonalData = { personalData: false, purposeCode: undefined, purpose: undefined } as const;

const canadaCases: Case[] = [
  // Legal basis: a basis of Canada or of both parties that serves the sending agency.
  {
    rule: "ca-legal-basis",
    law: "README 1",
    name: "complete disclosure",
    change: {},
    decision: "allow",
    policies: CA_OK,
  },
  {
    rule: "ca-legal-basis",
    law: "README 1",
    name: "no legal basis named",
    change: { legalBases: [] },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  {
    rule: "ca-legal-basis",
    law: "README 1",
    name: "only India's basis named",
    change: { legalBases: ["IN-DPDP-17-1-c"] },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  {
    rule: "ca-legal-basis",
    law: "legal-bases.json kind gate",
    name: "a gate is not a basis",
    change: { legalBases: ["CA-ACA-2019"] },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  {
    rule: "ca-legal-basis",
    law: "legal-bases.json kind channel",
    name: "a channel is not a basis",
    change: { legalBases: ["BI-MLAT"] },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  {
    rule: "ca-legal-basis",
    law: "UNTOC Art. 27 binds both",
    name: "a basis of both parties suffices",
    change: { legalBases: ["UN-UNTOC-ART27"] },
    decision: "allow",
    policies: CA_OK,
  },
  {
    rule: "ca-legal-basis",
    law: "legal-bases.json",
    name: "a request needs a basis too",
    change: { kind: "request", legalBases: [] },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  // Issue 22 item 4: CSIS Act s. 17(1)(b) serves CSIS alone.
  {
    rule: "ca-basis-of-another-agency",
    law: "CSIS Act s. 17(1)(b) serves CSIS only",
    name: "the RCMP citing only CSIS Act s. 17(1)(b)",
    change: { legalBases: ["CA-CSIS-17-1-b"] },
    decision: "refuse",
    policies: ["ca-basis-of-another-agency", "ca-legal-basis"],
  },
  {
    rule: "ca-basis-of-another-agency",
    law: "CSIS Act s. 17(1)(b) serves CSIS only",
    name: "the RCMP adding CSIS Act s. 17(1)(b) to its own basis",
    change: { legalBases: ["CA-PA-8-2-f", "CA-CSIS-17-1-b"] },
    decision: "refuse",
    policies: ["ca-basis-of-another-agency"],
  },
  {
    rule: "ca-basis-of-another-agency",
    law: "CSIS Act s. 17(1)(b)",
    name: "CSIS citing its own s. 17(1)(b)",
    change: { fromAgency: "ca-csis", lane: "security", legalBases: ["CA-CSIS-17-1-b"] },
    decision: "allow",
    policies: CA_OK,
  },
  // Purpose of personal information: a code of the controlled list and words.
  {
    rule: "ca-purpose-for-personal-information",
    law: "Privacy Act s. 8(2)(f)",
    name: "no purpose",
    change: { purpose: undefined, purposeCode: undefined },
    decision: "refuse",
    policies: ["ca-purpose-for-personal-information"],
  },
  {
    rule: "ca-purpose-for-personal-information",
    law: "Privacy Act s. 8(2)(f)",
    name: "a purpose of n/a",
    change: { purpose: "n/a" },
    decision: "refuse",
    policies: ["ca-purpose-for-personal-information"],
  },
  {
    rule: "ca-purpose-for-personal-information",
    law: "Privacy Act s. 8(2)(f)",
    name: "free text without a code of the list",
    change: { purposeCode: undefined },
    decision: "refuse",
    policies: ["ca-purpose-for-personal-information"],
  },
  {
    rule: "ca-purpose-for-personal-information",
    law: "Privacy Act s. 8(2)(f)",
    name: "a code without words",
    change: { purpose: "   " },
    decision: "refuse",
    policies: ["ca-purpose-for-personal-information"],
  },
  {
    rule: "ca-purpose-for-personal-information",
    law: "Privacy Act s. 8(2)(f)",
    name: "a named investigation",
    change: { purposeCode: "investigation", purpose: "Project ATLAS, RCMP file 2026-4411" },
    decision: "allow",
    policies: CA_OK,
  },
  {
    rule: "ca-purpose-for-personal-information",
    law: "issue 13: personal data derived from the content",
    name: "personalData false but a passport in the entities",
    change: {
      personalData: false,
      purpose: undefined,
      purposeCode: undefined,
      entities: [{ type: "travel-document" }],
    },
    decision: "refuse",
    policies: ["ca-purpose-for-personal-information"],
  },
  {
    rule: "ca-purpose-for-personal-information",
    law: "issue 13: data subjects are personal data",
    name: "personalData false with data subjects",
    change: { personalData: false, purpose: undefined, purposeCode: undefined, dataSubjects: ["R. Sharma"] },
    decision: "refuse",
    policies: ["ca-purpose-for-personal-information"],
  },
  {
    rule: "ca-purpose-for-personal-information",
    law: "Privacy Act s. 8(2)(f)",
    name: "no personal information needs no purpose, assessment or grading",
    change: { ...noPersonalData, mistreatmentRisk: undefined, grading: undefined, entities: [{ type: "chemical" }] },
    decision: "allow",
    policies: CA_OK,
  },
  // Evidence goes through the treaty.
  {
    rule: "ca-evidence-via-mlat",
    law: "BI-MLAT",
    name: "evidence asked for",
    change: { intendedUse: "evidence" },
    decision: "refuse",
    policies: ["ca-evidence-via-mlat"],
    instruments: ["BI-MLAT", "BI-WORKPLAN-2026", "CA-PA-8-2-f"],
  },
  {
    rule: "ca-evidence-via-mlat",
    law: "BI-MLAT: a stated trial is evidence",
    name: "a request for use at trial flagged intelligence",
    change: { kind: "request", text: "Please send the bank records for use at trial in Toronto next March." },
    decision: "refuse",
    policies: ["ca-evidence-via-mlat"],
  },
  {
    rule: "ca-evidence-via-mlat",
    law: "BI-MLAT: a stated trial is evidence",
    name: "a purpose stating judicial proceedings",
    change: { purpose: "To be produced in court in the prosecution of the consignee" },
    decision: "refuse",
    policies: ["ca-evidence-via-mlat"],
  },
  {
    rule: "ca-evidence-via-mlat",
    law: "BI-MLAT: a lead is sought later through the treaty",
    name: "a lead",
    change: { intendedUse: "lead" },
    decision: "allow",
    policies: CA_OK,
  },
  // H1 on the police channel.
  {
    rule: "ca-h1-on-police-channel",
    law: "handling.json H1, BI-MLAT",
    name: "no H1",
    change: { permittedUse: ["H0"] },
    decision: "refuse",
    policies: ["ca-h1-on-police-channel"],
  },
  {
    rule: "ca-h1-on-police-channel",
    law: "handling.json H1",
    name: "H1 waived by the originator",
    change: { permittedUse: ["H0"], h1Waived: true },
    decision: "allow",
    policies: CA_OK,
  },
  // ACA: a recorded assessment for anything concerning an individual.
  {
    rule: "ca-aca-assessment-recorded",
    law: "ACA s. 3(1) and 2019 directions",
    name: "no risk assessment recorded",
    change: { mistreatmentRisk: undefined },
    decision: "refuse",
    policies: ["ca-aca-assessment-recorded"],
    instruments: ["BI-WORKPLAN-2026", "CA-ACA-2019", "CA-PA-8-2-f", "UN-CAT"],
  },
  {
    rule: "ca-aca-assessment-recorded",
    law: "ACA directions: requests too",
    name: "a request of the other party needs the assessment too",
    change: { kind: "request", mistreatmentRisk: undefined },
    decision: "refuse",
    policies: ["ca-aca-assessment-recorded"],
  },
  {
    rule: "ca-aca-assessment-recorded",
    law: "ACA s. 3(1): data subjects concern individuals (issue 22 item 1)",
    name: "data subjects with personalData false and no assessment",
    change: { personalData: false, dataSubjects: ["Person A (fictional)"], mistreatmentRisk: undefined },
    decision: "refuse",
    policies: ["ca-aca-assessment-recorded"],
  },
  {
    rule: "ca-aca-assessment-recorded",
    law: "ACA directions (agencies.json acaDirections)",
    name: "an agency without the directions needs no assessment",
    change: { fromAgency: "ca-hc-ocs", mistreatmentRisk: undefined, grading: undefined },
    decision: "allow",
    policies: CA_OK,
  },
  // ACA: substantial risk refused unless measures are taken (issue 22 items 1 and 2).
  {
    rule: "ca-aca-substantial-risk",
    law: "ACA s. 3(1): substantial risk",
    name: "substantial risk, unmitigated",
    change: { mistreatmentRisk: { level: "substantial" } },
    decision: "refuse",
    policies: ["ca-aca-substantial-risk"],
  },
  {
    rule: "ca-aca-substantial-risk",
    law: "ACA s. 3(1): the risk is to an individual, whatever the data is called",
    name: "substantial risk recorded with personalData false",
    change: { ...noPersonalData, mistreatmentRisk: { level: "substantial" } },
    decision: "refuse",
    policies: ["ca-aca-substantial-risk"],
  },
  {
    rule: "ca-aca-substantial-risk",
    law: "ACA directions: measures actually taken",
    name: "substantial risk with a free-text note only",
    change: { mistreatmentRisk: { level: "substantial", note: "N/A" } },
    decision: "refuse",
    policies: ["ca-aca-substantial-risk"],
  },
  {
    rule: "ca-aca-substantial-risk",
    law: "ACA directions: mitigation applied",
    name: "substantial risk, written assurance recorded",
    change: { mistreatmentRisk: { level: "substantial", mitigations: [assurance] } },
    decision: "allow",
    policies: [...CA_OK, "ca-aca-mitigated"],
  },
  {
    rule: "ca-aca-substantial-risk",
    law: "ACA directions: mitigation applied",
    name: "substantial risk, H2 attached",
    change: { permittedUse: ["H0", "H1", "H2"], mistreatmentRisk: { level: "substantial", mitigations: [h2] } },
    decision: "allow",
    policies: [...CA_OK, "ca-aca-mitigated"],
  },
  {
    rule: "ca-aca-substantial-risk",
    law: "ACA directions apply to requests",
    name: "a request under substantial risk, unmitigated",
    change: { kind: "request", mistreatmentRisk: { level: "substantial" } },
    decision: "refuse",
    policies: ["ca-aca-substantial-risk"],
  },
  // ACA: mitigable risk needs measures.
  {
    rule: "ca-aca-mitigations-listed",
    law: "ACA directions",
    name: "mitigable risk without measures",
    change: { mistreatmentRisk: { level: "mitigable" } },
    decision: "refuse",
    policies: ["ca-aca-mitigations-listed"],
  },
  {
    rule: "ca-aca-mitigations-listed",
    law: "ACA directions",
    name: "mitigable risk, TLP:AMBER attached",
    change: { mistreatmentRisk: { level: "mitigable", mitigations: [amber] } },
    decision: "allow",
    policies: [...CA_OK, "ca-aca-mitigated"],
  },
  {
    rule: "ca-aca-mitigations-listed",
    law: "ACA directions: named recipients",
    name: "mitigable risk, TLP:RED with named recipients",
    change: {
      tlp: "TLP:RED",
      recipients: ["in.ncb.officer"],
      mistreatmentRisk: { level: "mitigable", mitigations: [{ measure: "caveat-named-recipients" }] },
    },
    decision: "allow",
    policies: [...CA_OK, "ca-aca-mitigated"],
  },
  {
    rule: "ca-aca-mitigations-listed",
    law: "ACA directions: restricted use",
    name: "mitigable risk, H3 restriction stated",
    change: {
      permittedUse: ["H0", "H1", "H3"],
      handlingNote: "Not to be used to locate or detain the person.",
      mistreatmentRisk: { level: "mitigable", mitigations: [{ measure: "caveat-restricted-use" }] },
    },
    decision: "allow",
    policies: [...CA_OK, "ca-aca-mitigated"],
  },
  // Claimed measures must be on the message (issue 22 item 2).
  {
    rule: "ca-mitigation-not-attached",
    law: "ACA directions: measures actually taken",
    name: "H2 claimed but not attached",
    change: { mistreatmentRisk: { level: "substantial", mitigations: [h2] } },
    decision: "refuse",
    policies: ["ca-aca-substantial-risk", "ca-mitigation-not-attached"],
  },
  {
    rule: "ca-mitigation-not-attached",
    law: "ACA directions: measures actually taken",
    name: "TLP:AMBER claimed on a TLP:GREEN message",
    change: { tlp: "TLP:GREEN", mistreatmentRisk: { level: "mitigable", mitigations: [amber] } },
    decision: "refuse",
    policies: ["ca-aca-mitigations-listed", "ca-mitigation-not-attached"],
  },
  {
    rule: "ca-mitigation-not-attached",
    law: "ACA directions: assurances recorded with who gave them and when",
    name: "an assurance dated after the evaluation",
    change: { mistreatmentRisk: { level: "mitigable", mitigations: [{ ...assurance, givenAt: "2026-07-01" }] } },
    decision: "refuse",
    policies: ["ca-aca-mitigations-listed", "ca-mitigation-not-attached"],
  },
  {
    rule: "ca-mitigation-not-attached",
    law: "ACA directions",
    name: "one real measure and one false claim",
    change: { mistreatmentRisk: { level: "mitigable", mitigations: [assurance, h2] } },
    decision: "refuse",
    policies: ["ca-mitigation-not-attached"],
  },
  // UN-CAT binds every Canadian agency (issue 22 item 5).
  {
    rule: "ca-uncat-substantial-risk",
    law: "UN Convention against Torture",
    name: "Health Canada recording an unmitigated substantial risk",
    change: { fromAgency: "ca-hc-ocs", mistreatmentRisk: { level: "substantial" } },
    decision: "refuse",
    policies: ["ca-uncat-substantial-risk"],
  },
  {
    rule: "ca-uncat-substantial-risk",
    law: "UN Convention against Torture",
    name: "PCO-NSIA, substantial risk mitigated by an assurance",
    change: {
      fromAgency: "ca-pco-nsia",
      lane: "security",
      mistreatmentRisk: { level: "substantial", mitigations: [assurance] },
    },
    decision: "allow",
    policies: [...CA_OK, "ca-aca-mitigated"],
  },
  // Grading.
  {
    rule: "ca-aca-grading",
    law: "ACA directions: accuracy and reliability",
    name: "no grading",
    change: { grading: undefined },
    decision: "refuse",
    policies: ["ca-aca-grading"],
  },
  {
    rule: "ca-aca-grading",
    law: "ACA directions: accuracy and reliability",
    name: "no grading on a request naming a person",
    change: { kind: "request", personalData: false, entities: [{ type: "person" }], grading: undefined },
    decision: "refuse",
    policies: ["ca-aca-grading"],
  },
  // Escalation: undetermined risk (issue 22 items 1 and 3).
  {
    rule: "ca-aca-undetermined-to-deputy-head",
    law: "ACA direction 1(3)",
    name: "undetermined risk goes to the deputy head",
    change: { mistreatmentRisk: { level: "undetermined" } },
    decision: "escalate",
    policies: ["ca-aca-undetermined-to-deputy-head"],
    instruments: ["BI-WORKPLAN-2026", "CA-ACA-2019", "CA-PA-8-2-f", "UN-CAT"],
  },
  {
    rule: "ca-aca-undetermined-to-deputy-head",
    law: "ACA direction 1(3): the risk is to an individual",
    name: "undetermined risk with personalData false",
    change: { ...noPersonalData, mistreatmentRisk: { level: "undetermined" } },
    decision: "escalate",
    policies: ["ca-aca-undetermined-to-deputy-head"],
  },
  {
    rule: "ca-aca-undetermined-to-deputy-head",
    law: "ACA direction 1(3): requests too",
    name: "an undetermined request",
    change: { kind: "request", mistreatmentRisk: { level: "undetermined" } },
    decision: "escalate",
    policies: ["ca-aca-undetermined-to-deputy-head"],
  },
  {
    rule: "ca-aca-undetermined-to-deputy-head",
    law: "ACA directions bind only agencies with directions",
    name: "undetermined risk at an agency without the directions",
    change: { fromAgency: "ca-pco-nsia", lane: "security", mistreatmentRisk: { level: "undetermined" } },
    decision: "allow",
    policies: CA_OK,
  },
  {
    rule: "ca-aca-undetermined-to-deputy-head",
    law: "refusals come first",
    name: "undetermined risk and no basis is refused, not escalated",
    change: { legalBases: [], mistreatmentRisk: { level: "undetermined" } },
    decision: "refuse",
    policies: ["ca-legal-basis"],
  },
  {
    rule: "several",
    law: "every problem at once",
    name: "several refusals are all named",
    change: { grading: undefined, intendedUse: "evidence", legalBases: [] },
    decision: "refuse",
    policies: ["ca-aca-grading", "ca-evidence-via-mlat", "ca-legal-basis"],
  },
];

const indiaCases: Case[] = [
  {
    rule: "in-legal-basis",
    law: "README 1",
    name: "complete disclosure under DPDP s.17(1)(c)",
    change: {},
    decision: "allow",
    policies: IN_OK,
  },
  {
    rule: "in-legal-basis",
    law: "README 1",
    name: "Canada's basis is not India's",
    change: { ...noPersonalData, legalBases: ["CA-PA-8-2-f"] },
    decision: "refuse",
    policies: ["in-legal-basis"],
  },
  {
    rule: "in-legal-basis",
    law: "README 1",
    name: "a request needs a basis too",
    change: { kind: "request", ...noPersonalData, legalBases: [] },
    decision: "refuse",
    policies: ["in-legal-basis"],
  },
  // Issue 22 item 4.
  {
    rule: "in-basis-of-another-agency",
    law: "IT Act s. 70B serves CERT-In",
    name: "NCB citing CERT-In's IT Act s. 70B",
    change: { ...noPersonalData, legalBases: ["IN-IT-70B"] },
    decision: "refuse",
    policies: ["in-basis-of-another-agency", "in-legal-basis"],
  },
  {
    rule: "in-basis-of-another-agency",
    law: "IT Act s. 70B",
    name: "CERT-In under its own s. 70B, no personal data",
    change: { fromAgency: "in-certin", lane: "cyber", ...noPersonalData, legalBases: ["IN-IT-70B"] },
    decision: "allow",
    policies: IN_OK,
  },
  {
    rule: "in-basis-of-another-agency",
    law: "DPDP s. 17(2)(a): notified agencies only; none is notified in the domain data",
    name: "IB citing s. 17(2)(a)",
    change: { fromAgency: "in-ib", lane: "security", legalBases: ["IN-DPDP-17-2-a"] },
    decision: "refuse",
    policies: ["in-basis-of-another-agency", "in-dpdp-17", "in-legal-basis"],
  },
  {
    rule: "in-basis-of-another-agency",
    law: "DPDP s. 17(2)(a): notified agencies only",
    name: "NCB citing s. 17(2)(a) beside s. 17(1)(c)",
    change: { legalBases: ["IN-DPDP-17-1-c", "IN-DPDP-17-2-a"] },
    decision: "refuse",
    policies: ["in-basis-of-another-agency"],
  },
  // Purpose.
  {
    rule: "in-purpose-for-personal-data",
    law: "DPDP s. 17(1)(c): for offences",
    name: "no purpose",
    change: { purpose: undefined, purposeCode: undefined },
    decision: "refuse",
    policies: ["in-purpose-for-personal-data"],
  },
  {
    rule: "in-purpose-for-personal-data",
    law: "DPDP s. 17(1)(c)",
    name: "a purpose of n/a",
    change: { purpose: "n/a" },
    decision: "refuse",
    policies: ["in-purpose-for-personal-data"],
  },
  {
    rule: "in-purpose-for-personal-data",
    law: "DPDP s. 17(1)(c)",
    name: "the lane's objective, in words",
    change: { purposeCode: "lane-objective", purpose: "Stop the flow of fentanyl precursors to Canada" },
    decision: "allow",
    policies: IN_OK,
  },
  {
    rule: "in-purpose-for-personal-data",
    law: "issue 13: derived personal data",
    name: "personalData false but a phone number",
    change: { personalData: false, purposeCode: undefined, purpose: undefined, entities: [{ type: "phone" }] },
    decision: "refuse",
    policies: ["in-purpose-for-personal-data"],
  },
  // DPDP s. 17.
  {
    rule: "in-dpdp-17",
    law: "DPDP s. 17(1)(c)",
    name: "personal data without a DPDP s. 17 basis",
    change: { legalBases: ["BI-WORKPLAN-2026"] },
    decision: "refuse",
    policies: ["in-dpdp-17"],
    instruments: ["BI-WORKPLAN-2026", "IN-DPDP-17-1-c", "IN-DPDP-17-2-a"],
  },
  {
    rule: "in-dpdp-17",
    law: "DPDP s. 17",
    name: "no personal data: the workplan suffices",
    change: { ...noPersonalData, legalBases: ["BI-WORKPLAN-2026"] },
    decision: "allow",
    policies: IN_OK,
  },
  {
    rule: "in-dpdp-17",
    law: "DPDP s. 17: personal data from the content",
    name: "a bank account in the entities without a DPDP basis",
    change: { personalData: false, legalBases: ["BI-WORKPLAN-2026"], entities: [{ type: "bank-account" }] },
    decision: "refuse",
    policies: ["in-dpdp-17"],
  },
  // Evidence and H1.
  {
    rule: "in-evidence-via-mlat",
    law: "BI-MLAT",
    name: "evidence asked for",
    change: { intendedUse: "evidence" },
    decision: "refuse",
    policies: ["in-evidence-via-mlat"],
  },
  {
    rule: "in-evidence-via-mlat",
    law: "BI-MLAT: a stated trial is evidence",
    name: "a request whose text states a trial",
    change: {
      kind: "request",
      text: "Kindly provide certified copies of the ledger as evidence before the Special NDPS Court.",
    },
    decision: "refuse",
    policies: ["in-evidence-via-mlat"],
  },
  {
    rule: "in-evidence-via-mlat",
    law: "BI-MLAT",
    name: "a lead",
    change: { intendedUse: "lead" },
    decision: "allow",
    policies: IN_OK,
  },
  {
    rule: "in-h1-on-police-channel",
    law: "handling.json H1",
    name: "no H1",
    change: { permittedUse: ["H2"] },
    decision: "refuse",
    policies: ["in-h1-on-police-channel"],
  },
  {
    rule: "in-h1-on-police-channel",
    law: "handling.json H1",
    name: "H1 waived",
    change: { permittedUse: ["H0"], h1Waived: true },
    decision: "allow",
    policies: IN_OK,
  },
  // UN-CAT binds India's agencies (issue 22 item 5).
  {
    rule: "in-uncat-substantial-risk",
    law: "UN Convention against Torture",
    name: "an unmitigated substantial risk",
    change: { mistreatmentRisk: { level: "substantial" } },
    decision: "refuse",
    policies: ["in-uncat-substantial-risk"],
  },
  {
    rule: "in-uncat-substantial-risk",
    law: "UN Convention against Torture",
    name: "a request under an unmitigated substantial risk, personalData false",
    change: {
      kind: "request",
      ...noPersonalData,
      legalBases: ["BI-WORKPLAN-2026"],
      mistreatmentRisk: { level: "substantial" },
    },
    decision: "refuse",
    policies: ["in-uncat-substantial-risk"],
  },
  {
    rule: "in-uncat-substantial-risk",
    law: "UN Convention against Torture",
    name: "substantial risk mitigated by a written assurance",
    change: { mistreatmentRisk: { level: "substantial", mitigations: [assurance] } },
    decision: "allow",
    policies: IN_OK,
  },
  {
    rule: "in-uncat-substantial-risk",
    law: "the Canadian directions are not India's",
    name: "undetermined risk",
    change: { mistreatmentRisk: { level: "undetermined" } },
    decision: "allow",
    policies: IN_OK,
  },
  {
    rule: "in-mitigation-not-attached",
    law: "UN Convention against Torture: measures actually taken",
    name: "H2 claimed but not attached",
    change: { mistreatmentRisk: { level: "substantial", mitigations: [h2] } },
    decision: "refuse",
    policies: ["in-mitigation-not-attached", "in-uncat-substantial-risk"],
  },
];

describe.each([
  { pack: "CA", service: canada, base: caBase, principal: caOfficer, cases: canadaCases },
  { pack: "IN", service: india, base: inBase, principal: inOfficer, cases: indiaCases },
])("$pack pack", ({ service, base, principal, cases }) => {
  it.each(cases)("$rule ($law): $name -> $decision", async ({ change, decision, policies, instruments }) => {
    const result = await service.evaluate({ ...base, ...change }, principal);
    expect(result.decision).toBe(decision);
    expect(result.reasons.map((r) => r.policy).sort()).toEqual([...policies].sort());
    for (const reason of result.reasons) expect(reason.text.length).toBeGreaterThan(10);
    if (instruments) expect(result.instruments).toEqual(instruments);
    for (const id of { ...base, ...change }.legalBases) expect(result.instruments).toContain(id);
  });

  it("every refusal and escalation rule of the pack has a row", () => {
    const pack = service as unknown as {
      packs: Map<
        string,
        { refusals: { policies: Map<string, unknown> }; escalations: { policies: Map<string, unknown> } }
      >;
    };
    const own = pack.packs.get(principal.party);
    const forbids = [...(own?.refusals.policies.entries() ?? []), ...(own?.escalations.policies.entries() ?? [])]
      .filter(([, p]) => (p as { effect: string }).effect === "forbid")
      .map(([id]) => id);
    const tested = new Set(cases.map((c) => c.rule));
    expect(forbids.filter((id) => !tested.has(id))).toEqual([]);
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
    {
      name: "TLP:RED is for named recipients (TLP 2.0)",
      change: { tlp: "TLP:RED" as const },
      code: "LIAISON_EXCHANGE_RECIPIENTS_REQUIRED",
    },
    {
      name: "H3 states its restriction (handling.json)",
      change: { permittedUse: ["H1", "H3"] as ComplianceInput["permittedUse"] },
      code: "LIAISON_COMPLIANCE_HANDLING_NOTE_REQUIRED",
    },
  ])("$name -> $code", async ({ change, code }) => {
    await expect(canada.evaluate({ ...caBase, ...change }, caOfficer)).rejects.toMatchObject({ code, status: 400 });
  });
});
