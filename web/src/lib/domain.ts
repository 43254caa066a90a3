/**
 * Vocabularies the forms and banners need, copied from shared/domain (handling.json, legal-bases.json,
 * agencies.json). TLP labels are a standard: shown exactly as written, never translated.
 */
export const TLP_LABELS = [
  { label: "TLP:RED", color: "#FF2B2B" },
  { label: "TLP:AMBER+STRICT", color: "#FFC000" },
  { label: "TLP:AMBER", color: "#FFC000" },
  { label: "TLP:GREEN", color: "#33FF00" },
  { label: "TLP:CLEAR", color: "#FFFFFF" },
] as const;
export type TlpLabel = (typeof TLP_LABELS)[number]["label"];

/** Accepts "TLP:AMBER+STRICT" or "amber+strict" (APIs may store the bare colour) and returns the standard label. */
export function normaliseTlp(value: string | undefined | null): TlpLabel | undefined {
  if (!value) return undefined;
  const upper = value.toUpperCase().replace(/\s+/g, "");
  const label = upper.startsWith("TLP:") ? upper : `TLP:${upper}`;
  return TLP_LABELS.find((t) => t.label === label)?.label;
}

export function tlpColor(label: TlpLabel): string {
  return TLP_LABELS.find((t) => t.label === label)?.color ?? "#FFFFFF";
}

export const PERMITTED_USE_CODES = ["H0", "H1", "H2", "H3"] as const;
/**
 * The coded reasons a refusal may give without passing the gate (src/modules/exchange/exchange.content.ts
 * REFUSAL_CODES, docs/exchange.md); domain.test.ts checks the copy and a label for each in every language.
 */
export const REFUSAL_CODES = [
  "information-not-held",
  "outside-mandate",
  "insufficient-detail",
  "no-legal-basis",
  "evidence-via-mlat",
  "sovereignty-security-public-order",
  "mistreatment-risk",
  "originator-consent-withheld",
  "operational-sensitivity",
] as const;
export const SOURCE_RELIABILITY = ["A", "B", "C", "D", "E", "F"] as const;
export const INFORMATION_CREDIBILITY = ["1", "2", "3", "4", "5", "6"] as const;
export const PRIORITIES = ["urgent", "high", "routine"] as const;
export const LANES = ["drugs", "organised-crime", "cyber", "fraud-immigration", "security"] as const;
export type Lane = (typeof LANES)[number];

export const LEGAL_INSTRUMENTS = [
  { id: "CA-PA-8-2-f", party: "CA", kind: "basis", title: "Privacy Act (R.S.C. 1985, c. P-21), s. 8(2)(f)" },
  { id: "CA-CSIS-17-1-b", party: "CA", kind: "basis", title: "CSIS Act, s. 17(1)(b)" },
  { id: "IN-DPDP-17-1-c", party: "IN", kind: "basis", title: "Digital Personal Data Protection Act 2023, s. 17(1)(c)" },
  { id: "IN-DPDP-17-2-a", party: "IN", kind: "basis", title: "Digital Personal Data Protection Act 2023, s. 17(2)(a)" },
  { id: "IN-IT-70B", party: "IN", kind: "basis", title: "Information Technology Act 2000, s. 70B" },
  {
    id: "IN-NDPS-9A",
    party: "IN",
    kind: "basis",
    title: "NDPS Act 1985, s. 9A and NDPS (Regulation of Controlled Substances) Order 2013",
  },
  {
    id: "BI-WORKPLAN-2026",
    party: "both",
    kind: "basis",
    title: "India-Canada shared workplan on national security and law enforcement (February 2026)",
  },
  {
    id: "UN-1988-ART12",
    party: "both",
    kind: "basis",
    title: "UN Convention against Illicit Traffic in Narcotic Drugs and Psychotropic Substances (1988), Art. 12",
  },
  {
    id: "UN-UNTOC-ART27",
    party: "both",
    kind: "basis",
    title: "UN Convention against Transnational Organized Crime, Art. 27",
  },
] as const;

export const AGENCIES: Record<string, { party: "IN" | "CA"; acronym: string }> = {
  "in-nscs": { party: "IN", acronym: "NSCS" },
  "in-mha": { party: "IN", acronym: "MHA" },
  "in-nia": { party: "IN", acronym: "NIA" },
  "in-ncb": { party: "IN", acronym: "NCB" },
  "in-cbi": { party: "IN", acronym: "CBI" },
  "in-certin": { party: "IN", acronym: "CERT-In" },
  "in-ib": { party: "IN", acronym: "IB" },
  "in-ed": { party: "IN", acronym: "ED" },
  "in-fiu": { party: "IN", acronym: "FIU-IND" },
  "in-boi": { party: "IN", acronym: "BoI" },
  "ca-pco-nsia": { party: "CA", acronym: "PCO-NSIA" },
  "ca-ps": { party: "CA", acronym: "PS" },
  "ca-rcmp": { party: "CA", acronym: "RCMP" },
  "ca-csis": { party: "CA", acronym: "CSIS" },
  "ca-cbsa": { party: "CA", acronym: "CBSA" },
  "ca-cccs": { party: "CA", acronym: "Cyber Centre" },
  "ca-fintrac": { party: "CA", acronym: "FINTRAC" },
  "ca-ircc": { party: "CA", acronym: "IRCC" },
  "ca-hc-ocs": { party: "CA", acronym: "HC-OCS" },
};

export const PARTY_NAMES: Record<string, string> = { IN: "India", CA: "Canada" };
export function otherParty(party: string): string {
  return party === "IN" ? "CA" : "IN";
}
