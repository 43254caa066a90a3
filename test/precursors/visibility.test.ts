import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/core/ids.ts";
import { ROLES } from "../../src/modules/identity/principal.ts";
import { listIncidents, listNotifications } from "../../src/modules/precursors/precursors.repository.ts";
import { storeNotification } from "../../src/modules/precursors/precursors.service.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/**
 * The lists filter in SQL (precursors.repository.ts, readableHere); Cedar is the source. Random notifications and
 * incidents of every direction, label and agency, then random principals: the rows the SQL returns must be exactly
 * those Cedar lets the principal read one by one, whenever Cedar lets it ask for the list at all.
 */
const AGENCIES = ["ca-hc-ocs", "ca-cbsa", "ca-rcmp", undefined] as const;
const LABELS = ["TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"] as const;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

describe("precursor lists agree with Cedar", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "CA", listen: false });
    const party = (name: string) => ({
      name,
      address: { lines: ["1 Road"], city: "X", country: "CA" },
      naturalPerson: false,
    });
    await node.deps.changes.run(async (change) => {
      for (let i = 0; i < 60; i++) {
        const direction = pick(["outbound", "inbound"] as const);
        const toAgency = pick(AGENCIES) ?? null;
        const id = uuidv7();
        await storeNotification(change.tx, {
          id,
          direction,
          exporterParty: direction === "outbound" ? "CA" : "IN",
          importerParty: direction === "outbound" ? "IN" : "CA",
          fromAgency: direction === "outbound" ? pick(["ca-hc-ocs", "ca-cbsa"]) : "in-ncb",
          toAgency: direction === "outbound" ? "in-ncb" : toAgency,
          content: {
            reference: `R${i}`,
            exporter: party("A"),
            importer: party("B"),
            substance: { cas: "39742-60-4", name: "NPP", abbr: "NPP", hs: "2933.37", form: "substance" },
            quantity: { amount: "1", unit: "kg" },
            pointOfEntry: "P",
            dispatchDate: "2026-12-20",
            transport: { mode: "air" },
          },
          replyBy: new Date(change.at.getTime() + 86_400_000),
          legalBases: ["UN-1988-ART12"],
          tlp: pick(LABELS),
          permittedUse: ["H0", "H1"],
          flags: [],
          sentBy: "test",
          envelopeId: uuidv7(),
          event: { id: uuidv7(), at: change.at, actor: "test", party: "CA" },
          recordedAt: change.at,
        });
      }
      change.audit({ actor: "test", action: "test.seed", outcome: "success" });
    });
  }, 120_000);
  afterAll(async () => {
    await node?.close();
    if (node) rmSync(node.dataDir, { recursive: true, force: true });
  });

  it("returns exactly the rows Cedar lets each random principal read", async () => {
    const { policy, database } = node.deps;
    const service = node.deps.precursors.service;
    const all = await database.db.selectFrom("precursor_notifications").selectAll().execute();
    let compared = 0;
    for (let run = 0; run < 300; run++) {
      const agency = pick(AGENCIES);
      const principal = {
        id: `u${run}`,
        role: pick(ROLES),
        party: pick(["CA", "CA", "IN"]),
        ...(agency ? { agency } : {}),
      };
      const mayList = policy.decide({
        principal,
        action: "precursor.read",
        resource: { type: "precursor-notifications", id: "list", attributes: { party: "CA" } },
      }).allowed;
      const cedar = all
        .filter(
          (row) => policy.decide({ principal, action: "precursor.read", resource: service.resourceOf(row) }).allowed,
        )
        .map((r) => r.id)
        .sort();
      if (!mayList) {
        expect(cedar).toEqual([]);
        continue;
      }
      const { rows } = await listNotifications(database.db, { limit: 500, now: new Date(), agency: principal.agency });
      expect(rows.map((r) => r.id).sort()).toEqual(cedar);
      const incidents = await listIncidents(database.db, { limit: 500, agency: principal.agency });
      expect(incidents.rows).toEqual([]);
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });
});
