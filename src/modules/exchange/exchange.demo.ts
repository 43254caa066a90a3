import type { Principal } from "../identity/principal.ts";
import type { CreateThreadRequest } from "./exchange.schema.ts";
import type { ExchangeService } from "./exchange.service.ts";

/**
 * Demo threads: a few per lane, both ways. Every person and company is fictional; chemicals are the Table I
 * precursors of shared/domain/precursors.json. Each passes its sender's compliance gate as a real one would.
 */
const india = {
  legalBases: ["BI-WORKPLAN-2026", "UN-1988-ART12"],
  permittedUse: ["H0", "H1"] as ("H0" | "H1")[],
  personalData: false,
};
const canada = { legalBases: ["CA-PA-8-2-f"], permittedUse: ["H0", "H1"] as ("H0" | "H1")[], personalData: false };

type Seed = { from: "IN" | "CA"; sender: string; thread: CreateThreadRequest };

const SEEDS: Seed[] = [
  {
    from: "IN",
    sender: "in.ncb.officer",
    thread: {
      lane: "drugs",
      subject: "NPP consignment declared as industrial solvent, Nhava Sheva to Vancouver",
      to: "CA",
      toAgency: "ca-cbsa",
      message: {
        kind: "request",
        text: "NCB seized paperwork for 400 kg declared as 'piperidone solvent' shipped by Sunrise Fine Chem Traders (fictional). Please confirm whether the Vancouver consignee Maple Harbour Imports Ltd (fictional) is known to you.",
        priority: "high",
        tlp: "TLP:AMBER",
        ...india,
        entities: [
          { type: "chemical", cas: "39742-60-4", name: "N-Phenethyl-4-piperidone (NPP)", quantityKg: 400 },
          { type: "organisation", name: "Maple Harbour Imports Ltd", country: "CA" },
          { type: "shipment", reference: "BL-NSA-2026-0412", hsCode: "2933.37", origin: "IN", destination: "CA" },
        ],
        legalBases: india.legalBases,
      },
    },
  },
  {
    from: "CA",
    sender: "ca.rcmp.officer",
    thread: {
      lane: "drugs",
      subject: "ANPP precursor order placed through a Mumbai trading front",
      to: "IN",
      toAgency: "in-ncb",
      message: {
        kind: "alert",
        text: "RCMP intercepted messages ordering 50 kg of ANPP through Coastal Ventures Trading (fictional), Mumbai. Alert for awareness; details follow on request.",
        priority: "urgent",
        tlp: "TLP:AMBER+STRICT",
        ...canada,
        entities: [
          { type: "chemical", cas: "21409-26-7", name: "ANPP", quantityKg: 50 },
          { type: "organisation", name: "Coastal Ventures Trading", country: "IN" },
        ],
      },
    },
  },
  {
    from: "IN",
    sender: "in.ncb.officer",
    thread: {
      lane: "organised-crime",
      subject: "Money mule network paying for precursor shipments",
      to: "CA",
      toAgency: "ca-rcmp",
      message: {
        kind: "disclosure",
        text: "Payments for the precursor consignments route through accounts opened by Northgate Logistics (fictional). Disclosed for your network analysis.",
        priority: "routine",
        tlp: "TLP:AMBER",
        ...india,
        entities: [{ type: "organisation", name: "Northgate Logistics", country: "IN" }],
      },
    },
  },
  {
    from: "CA",
    sender: "ca.rcmp.officer",
    thread: {
      lane: "cyber",
      subject: "Phishing kit targeting Indian and Canadian bank customers",
      to: "IN",
      toAgency: "in-certin",
      message: {
        kind: "alert",
        text: "A phishing kit hosted at login-secure-bank.example imitates banks of both countries. Indicators attached in the entities.",
        priority: "high",
        tlp: "TLP:GREEN",
        ...canada,
        // An email address counts as personal data (issue 13): the RCMP states a purpose, records its
        // mistreatment-risk assessment and grades the information, as the Canadian pack asks.
        purposeCode: "cybercrime",
        purpose: "Take down a phishing kit imitating banks of both countries",
        mistreatmentRisk: { level: "none" },
        grading: { source: "B", information: "2" },
        entities: [{ type: "email", address: "support@login-secure-bank.example" }],
      },
    },
  },
  {
    from: "IN",
    sender: "in.mha.officer",
    thread: {
      lane: "fraud-immigration",
      subject: "Forged study-permit letters sold by a fictional consultancy",
      to: "CA",
      toAgency: "ca-ircc",
      message: {
        kind: "request",
        text: "Bright Futures Overseas Consultants (fictional) sells letters of acceptance. Please confirm whether the attached reference numbers were issued.",
        priority: "routine",
        tlp: "TLP:AMBER",
        ...india,
        entities: [{ type: "organisation", name: "Bright Futures Overseas Consultants", country: "IN" }],
      },
    },
  },
  {
    from: "IN",
    sender: "in.mha.officer",
    thread: {
      lane: "security",
      subject: "Coordination contact for the joint review meeting",
      to: "CA",
      toAgency: "ca-ps",
      message: {
        kind: "request",
        text: "Please name the Public Safety contact for the quarterly liaison review.",
        priority: "routine",
        tlp: "TLP:GREEN",
        ...india,
      },
    },
  },
];

interface DemoSender {
  id: string;
  username: string;
  role: Principal["role"];
  agency: string | null;
}

/** Only in demo mode, and only once: a node that already has threads is left as it is. */
export async function seedDemoThreads(
  nodes: Record<"IN" | "CA", ExchangeService>,
  /** Identity's account lookup per node (UsersService.findByUsername): the exchange reads no users table. */
  userOf: (party: "IN" | "CA", username: string) => Promise<DemoSender | undefined>,
): Promise<number> {
  let created = 0;
  for (const party of ["IN", "CA"] as const) {
    const any = await nodes[party].deps.db.selectFrom("exchange_threads").select("id").limit(1).executeTakeFirst();
    if (any) continue;
    for (const seed of SEEDS.filter((s) => s.from === party)) {
      const user = await userOf(party, seed.sender);
      if (!user) continue;
      const principal: Principal = {
        id: user.id,
        username: user.username,
        role: user.role,
        party,
        agency: user.agency ?? undefined,
      };
      await nodes[party].createThread(seed.thread, principal, "demo-seed");
      created++;
    }
  }
  return created;
}
