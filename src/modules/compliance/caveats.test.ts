import { describe, expect, it } from "vitest";
import { PolicyService } from "../policy/policy.service.ts";
import { checkCaveats, type IntendedUse, type ReceivedCaveats } from "./caveats.ts";

/**
 * The caveats of a received item: onward and evidential use and retention (checkCaveats), and who may read it,
 * which is Cedar's `message.read` (policies/access/boundaries.cedar), asked here with the same table so the two
 * halves of the caveats are read together.
 */
interface CaveatReader {
  id: string;
  username?: string;
  agency?: string;
}
const policy = new PolicyService({ cacheSize: 0 });
function readable(caveats: ReceivedCaveats & { recipients?: string[] }, reader: CaveatReader): boolean {
  return policy.decide({
    principal: { ...reader, role: "analyst", party: "CA" },
    action: "message.read",
    resource: {
      type: "received-message",
      id: "m-1",
      attributes: {
        party: "CA",
        agency: caveats.recipientAgency,
        tlp: caveats.tlp,
        recipients: caveats.recipients ?? [],
      },
    },
  }).allowed;
}

const now = new Date("2026-06-01T00:00:00Z");
const base: ReceivedCaveats = { tlp: "TLP:AMBER", permittedUse: ["H0", "H1"], recipientAgency: "ca-rcmp" };
const rcmpOfficer: CaveatReader = { id: "u-1", username: "ca.rcmp.officer", agency: "ca-rcmp" };
const cbsaAnalyst: CaveatReader = { id: "u-2", username: "ca.cbsa.analyst", agency: "ca-cbsa" };
const read: IntendedUse = { kind: "review" };

describe("checkCaveats", () => {
  const cases: {
    name: string;
    caveats: Partial<ReceivedCaveats> & { recipients?: string[] };
    reader: CaveatReader;
    intended: IntendedUse;
    readable: boolean;
    use: "allowed" | "needs-consent" | "not-applicable";
    review: boolean;
    policies: string[];
  }[] = [
    {
      name: "AMBER, own agency",
      caveats: {},
      reader: rcmpOfficer,
      intended: read,
      readable: true,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "AMBER, other agency may read (need to know)",
      caveats: {},
      reader: cbsaAnalyst,
      intended: read,
      readable: true,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "RED, named by id",
      caveats: { tlp: "TLP:RED", recipients: ["u-1"] },
      reader: rcmpOfficer,
      intended: read,
      readable: true,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "RED, named by username",
      caveats: { tlp: "TLP:RED", recipients: ["ca.rcmp.officer"] },
      reader: rcmpOfficer,
      intended: read,
      readable: true,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "RED, same agency but not named",
      caveats: { tlp: "TLP:RED", recipients: ["someone-else"] },
      reader: rcmpOfficer,
      intended: read,
      readable: false,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "RED, no recipients at all",
      caveats: { tlp: "TLP:RED" },
      reader: rcmpOfficer,
      intended: read,
      readable: false,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "AMBER+STRICT, recipient agency",
      caveats: { tlp: "TLP:AMBER+STRICT" },
      reader: rcmpOfficer,
      intended: read,
      readable: true,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "AMBER+STRICT, other agency",
      caveats: { tlp: "TLP:AMBER+STRICT" },
      reader: cbsaAnalyst,
      intended: read,
      readable: false,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "AMBER+STRICT, no agency",
      caveats: { tlp: "TLP:AMBER+STRICT" },
      reader: { id: "admin@ca" },
      intended: read,
      readable: false,
      use: "not-applicable",
      review: false,
      policies: [],
    },
    {
      name: "H2 onward to another agency needs consent",
      caveats: { tlp: "TLP:GREEN", permittedUse: ["H2"] },
      reader: rcmpOfficer,
      intended: { kind: "disclose-onward", toAgency: "ca-cbsa" },
      readable: true,
      use: "needs-consent",
      review: false,
      policies: ["caveat-h2"],
    },
    {
      name: "H2 onward with consent granted",
      caveats: { tlp: "TLP:GREEN", permittedUse: ["H2"] },
      reader: rcmpOfficer,
      intended: { kind: "disclose-onward", toAgency: "ca-cbsa", consentGranted: true },
      readable: true,
      use: "allowed",
      review: false,
      policies: [],
    },
    {
      name: "H2 inside the recipient agency is not onward",
      caveats: { tlp: "TLP:GREEN", permittedUse: ["H2"] },
      reader: rcmpOfficer,
      intended: { kind: "disclose-onward", toAgency: "ca-rcmp" },
      readable: true,
      use: "allowed",
      review: false,
      policies: [],
    },
    {
      name: "GREEN without H2 goes onward",
      caveats: { tlp: "TLP:GREEN", permittedUse: ["H0"] },
      reader: rcmpOfficer,
      intended: { kind: "disclose-onward", toAgency: "ca-cbsa" },
      readable: true,
      use: "allowed",
      review: false,
      policies: [],
    },
    {
      name: "AMBER+STRICT onward needs consent even without H2",
      caveats: { tlp: "TLP:AMBER+STRICT", permittedUse: ["H0"] },
      reader: rcmpOfficer,
      intended: { kind: "disclose-onward", toAgency: "ca-cbsa" },
      readable: true,
      use: "needs-consent",
      review: false,
      policies: ["caveat-tlp-onward"],
    },
    {
      name: "H1 blocks evidential use",
      caveats: {},
      reader: rcmpOfficer,
      intended: { kind: "use-as-evidence" },
      readable: true,
      use: "needs-consent",
      review: false,
      policies: ["caveat-h1"],
    },
    {
      name: "H1 with the originator's permission",
      caveats: {},
      reader: rcmpOfficer,
      intended: { kind: "use-as-evidence", consentGranted: true },
      readable: true,
      use: "allowed",
      review: false,
      policies: [],
    },
    {
      name: "retention passed is flagged",
      caveats: { retentionUntil: "2026-05-31T23:59:59Z" },
      reader: rcmpOfficer,
      intended: read,
      readable: true,
      use: "not-applicable",
      review: true,
      policies: ["caveat-retention"],
    },
    {
      name: "retention ends exactly now",
      caveats: { retentionUntil: now },
      reader: rcmpOfficer,
      intended: read,
      readable: true,
      use: "not-applicable",
      review: true,
      policies: ["caveat-retention"],
    },
    {
      name: "retention in the future",
      caveats: { retentionUntil: "2027-01-01T00:00:00Z" },
      reader: rcmpOfficer,
      intended: read,
      readable: true,
      use: "not-applicable",
      review: false,
      policies: [],
    },
  ];

  it.each(cases)("$name", ({ caveats, reader, intended, readable: expectReadable, use, review, policies }) => {
    const decision = checkCaveats({ ...base, ...caveats }, intended, now);
    expect(readable({ ...base, ...caveats }, reader)).toBe(expectReadable);
    expect(decision.use).toBe(use);
    expect(decision.retentionReview).toBe(review);
    expect(decision.reasons.map((r) => r.policy)).toEqual(policies);
  });
});
