import type { Principal } from "../identity/principal.ts";
import type { PrecursorIncidents } from "./precursors.incidents.ts";
import type { IncidentInput, NotificationInput } from "./precursors.schema.ts";
import type { PrecursorsService } from "./precursors.service.ts";

/**
 * Demo notifications and incidents, both ways. Every company is fictional; the chemicals are the Table I
 * precursors of shared/domain/precursors.json. Each passes its sender's gate as a real one would (CBSA cites the
 * Convention, not the Precursor Control Regulations, which serve Health Canada). Only sends: the answers are the
 * demo's to give (the nodes are not listening yet when it seeds).
 */
const DAY = 86_400_000;
const company = (name: string, line: string, city: string, country: string, postcode?: string) => ({
  name,
  address: { lines: [line], city, country, ...(postcode ? { postcode } : {}) },
  naturalPerson: false,
});

type NotificationSeed = Omit<NotificationInput, "replyBy" | "dispatchDate"> & {
  replyInDays: number;
  dispatchInDays: number;
};
type Seed =
  | { from: "IN" | "CA"; sender: string; notification: NotificationSeed }
  | { from: "IN" | "CA"; sender: string; incident: Omit<IncidentInput, "occurredOn"> & { daysAgo: number } };

const common = { tlp: "TLP:AMBER" as const, permittedUse: ["H0", "H1"] as ("H0" | "H1")[] };

const SEEDS: Seed[] = [
  {
    from: "IN",
    sender: "in.ncb.officer",
    notification: {
      to: "CA",
      toAgency: "ca-cbsa",
      reference: "NCB/PEN/2026/0871",
      exporter: company("Deccan Fine Chemicals Pvt Ltd", "Plot 44, GIDC Phase II", "Vapi", "IN", "396195"),
      importer: company("Maple Harbour Imports Ltd", "1200 Marine Way", "Vancouver", "CA", "V6B 1A1"),
      substance: { cas: "39742-60-4", form: "substance" },
      quantity: { amount: "25", unit: "kg" },
      pointOfEntry: "Port of Vancouver",
      transport: { mode: "sea", reference: "BL-NSA-2026-1188" },
      legalBases: ["UN-1988-ART12", "IN-NDPS-9A"],
      replyInDays: 10,
      dispatchInDays: 14,
      ...common,
    },
  },
  {
    from: "IN",
    sender: "in.ncb.officer",
    notification: {
      to: "CA",
      toAgency: "ca-hc-ocs",
      reference: "NCB/PEN/2026/0874",
      exporter: company("Sahyadri Organics Ltd", "17 MIDC Industrial Area", "Pune", "IN", "411026"),
      importer: company("Northern Reagent Supply Inc", "88 Laird Drive", "Toronto", "CA", "M4G 3V1"),
      substance: { cas: "41661-47-6", form: "salt", concentrationPercent: 98 },
      quantity: { amount: "200", unit: "kg" },
      pointOfEntry: "Toronto Pearson International Airport",
      transport: { mode: "air", reference: "AWB 176-44120931" },
      legalBases: ["UN-1988-ART12"],
      replyInDays: 5,
      dispatchInDays: 9,
      ...common,
    },
  },
  {
    from: "CA",
    sender: "ca.cbsa.officer",
    notification: {
      to: "IN",
      toAgency: "in-ncb",
      reference: "CBSA-PEN-26-0312",
      exporter: company("Lakeshore Synthetics Inc", "4100 Lakeshore Blvd W", "Etobicoke", "CA", "M8W 1S1"),
      importer: company("Konkan Pharma Intermediates Pvt Ltd", "Unit 9, TTC Industrial Area", "Navi Mumbai", "IN"),
      substance: { cas: "79099-07-3", form: "substance" },
      quantity: { amount: "50", unit: "kg" },
      pointOfEntry: "Nhava Sheva (JNPT)",
      transport: { mode: "sea", reference: "BL-MTL-2026-5521" },
      legalBases: ["UN-1988-ART12", "BI-WORKPLAN-2026"],
      replyInDays: 7,
      dispatchInDays: 12,
      ...common,
    },
  },
  {
    from: "CA",
    sender: "ca.cbsa.officer",
    incident: {
      to: "IN",
      toAgency: "in-ncb",
      kind: "stopped-shipment",
      substances: [{ cas: "21409-26-7", quantity: { amount: "12", unit: "kg" } }],
      daysAgo: 3,
      place: "Port of Vancouver, Centerm container terminal",
      modusOperandi: "ANPP declared as a textile dye intermediate; consignee address a vacant unit.",
      entities: [
        { type: "organisation", name: "Coastal Ventures Trading", country: "IN" },
        { type: "shipment", reference: "BL-NSA-2026-0977", hsCode: "2933.36", origin: "IN", destination: "CA" },
      ],
      summary:
        "CBSA stopped 12 kg of ANPP shipped from Nhava Sheva under a false description; no pre-export notification was received for it.",
      legalBases: ["UN-1988-ART12"],
      ...common,
    },
  },
  {
    from: "IN",
    sender: "in.ncb.officer",
    incident: {
      to: "CA",
      toAgency: "ca-cbsa",
      kind: "clandestine-laboratory",
      substances: [
        { cas: "39742-60-4", quantity: { amount: "8", unit: "kg" } },
        { cas: "23056-29-3", quantity: { amount: "1.5", unit: "kg" } },
      ],
      daysAgo: 6,
      place: "Industrial shed, Bhiwandi, Maharashtra",
      modusOperandi: "Precursors bought in small lots from several traders; labels removed; output shipped by courier.",
      entities: [{ type: "organisation", name: "Maple Harbour Imports Ltd", country: "CA" }],
      summary: "NCB dismantled a laboratory converting NPP; courier waybills name a Vancouver importer.",
      legalBases: ["UN-1988-ART12", "IN-NDPS-9A"],
      ...common,
    },
  },
];

export interface DemoSender {
  id: string;
  username: string;
  role: string;
  agency: string | null;
}

/** Seeds each node once (skipped once it has any notification); returns how many items were sent. */
export async function seedDemoPrecursors(
  nodes: Record<"IN" | "CA", { service: PrecursorsService; incidents: PrecursorIncidents }>,
  userOf: (party: "IN" | "CA", username: string) => Promise<DemoSender | undefined>,
): Promise<number> {
  let sent = 0;
  for (const party of ["IN", "CA"] as const) {
    const { service, incidents } = nodes[party];
    const any = await service.deps.db.selectFrom("precursor_notifications").select("id").limit(1).executeTakeFirst();
    if (any) continue;
    const now = service.deps.clock.now().getTime();
    const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    for (const seed of SEEDS.filter((s) => s.from === party)) {
      const user = await userOf(party, seed.sender);
      if (!user) continue;
      const principal: Principal = {
        id: user.id,
        username: user.username,
        role: user.role,
        party,
        agency: user.agency ?? undefined,
        requestId: "demo-seed",
      };
      if ("notification" in seed) {
        const { replyInDays, dispatchInDays, ...input } = seed.notification;
        await service.send(
          {
            ...input,
            replyBy: new Date(now + replyInDays * DAY).toISOString(),
            dispatchDate: isoDay(now + dispatchInDays * DAY),
          },
          principal,
        );
      } else {
        const { daysAgo, ...input } = seed.incident;
        await incidents.send({ ...input, occurredOn: isoDay(now - daysAgo * DAY) }, principal);
      }
      sent++;
    }
  }
  return sent;
}
