import type { ManualClock } from "../../src/core/clock.ts";
import { type Actor, actor } from "../exchange/helpers.ts";
import { eventually, type TestNode } from "../support/nodes.ts";

export type Summary = { id: string; status: string; version: number; replyBy: string; flagCount: number };
export type Detail = Summary & {
  direction: string;
  shipment: string;
  content: { substance: { cas: string; name: string }; quantity: { amount: string; unit: string } };
  history: { id: string; type: string; by: string; version: number; applied: boolean; details: unknown }[];
  flags: unknown[];
  delivery: string | null;
};
export type Problem = { code: string; detail?: string };

export const NPP = "39742-60-4";
export const ANPP = "21409-26-7";

const party = (name: string, city: string, country: string) => ({
  name,
  address: { lines: ["Plot 12, Industrial Estate"], city, country },
});

/** A notification India's pack allows: a basis of both parties, H1 carried, companies only. */
export function notification(clock: ManualClock, overrides: Record<string, unknown> = {}) {
  return {
    to: "CA",
    reference: `EXP-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
    exporter: party("Sunrise Fine Chem Pvt Ltd", "Vapi", "IN"),
    importer: party("Maple Leaf Reagents Inc", "Mississauga", "CA"),
    substance: { cas: NPP },
    quantity: { amount: "25", unit: "kg" },
    pointOfEntry: "Port of Vancouver",
    dispatchDate: "2026-12-20",
    replyBy: new Date(clock.now().getTime() + 7 * 86_400_000).toISOString(),
    transport: { mode: "sea", reference: "BL-778812" },
    legalBases: ["UN-1988-ART12", "IN-NDPS-9A"],
    ...overrides,
  };
}

export interface Authorities {
  ncb: Actor;
  hc: Actor;
  cbsa: Actor;
  /** Not a competent authority for precursors: refused. */
  rcmp: Actor;
}

export async function authorities(india: TestNode, canada: TestNode): Promise<Authorities> {
  return {
    ncb: await actor(india, "liaison-officer", "in-ncb"),
    hc: await actor(canada, "analyst", "ca-hc-ocs"),
    cbsa: await actor(canada, "liaison-officer", "ca-cbsa"),
    rcmp: await actor(canada, "liaison-officer", "ca-rcmp"),
  };
}

export async function detailOn(node: TestNode, who: Actor, id: string) {
  return node.api<Detail>("GET", `/api/v1/precursors/notifications/${id}`, undefined, who.token);
}

/** Wait until the node shows the notification with `check` true. */
export function until(node: TestNode, who: Actor, id: string, check: (d: Detail) => boolean) {
  return eventually(async () => {
    const r = await detailOn(node, who, id);
    return r.status === 200 && check(r.body) && r.body;
  });
}

/** The history both nodes must agree on, without what is local (none of it is, but be explicit). */
export const historyOf = (d: Detail) => d.history;

export async function countPrecursorRows(node: TestNode) {
  const db = node.deps.database.db;
  const count = async (table: "precursor_notifications" | "precursor_incidents" | "precursor_events") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const outbox = Number(
    (
      await db
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("type", "like", "precursors.%")
        .executeTakeFirstOrThrow()
    ).n,
  );
  return {
    notifications: await count("precursor_notifications"),
    events: await count("precursor_events"),
    incidents: await count("precursor_incidents"),
    outbox,
  };
}

/** A step on a notification (reply, amend, withdraw, shipment) as `who`. */
export function step<T = Detail & Problem>(node: TestNode, who: Actor, id: string, path: string, body: unknown) {
  return node.api<T>("POST", `/api/v1/precursors/notifications/${id}/${path}`, body, who.token);
}
