import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { startTwoNodes } from "../support/nodes.ts";
import { type Authorities, authorities, type Detail, detailOn, notification, until } from "./helpers.ts";

type Flag = { role: string; matched: string; entry: { text: string; reason: string }; score: number };

/**
 * Each node matches every notification it sends or receives against its own watchlist, and what it finds stays
 * on that node: the other party sees neither the watchlist nor the flags.
 */
describe("watchlist flags on notifications between two nodes", () => {
  const clock = new ManualClock("2026-12-02T09:00:00Z");
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let who: Authorities;
  beforeAll(async () => {
    nodes = await startTwoNodes({ clock });
    who = await authorities(nodes.india, nodes.canada);
  }, 180_000);
  afterAll(async () => nodes?.close());

  it("flags an incoming notification on the importer's node and an outgoing one on the exporter's, each its own", async () => {
    const watched = await nodes.canada.api(
      "POST",
      "/api/v1/precursors/watchlist",
      { kind: "company", text: "SUNRISE FINE CHEMICALS PVT. LTD.", reason: "CBSA seizure, Vancouver, 2026-03" },
      who.cbsa.token,
    );
    expect(watched.status).toBe(201);
    await nodes.india.api(
      "POST",
      "/api/v1/precursors/watchlist",
      { kind: "company", text: "Maple Leaf Reagents Incorporated", reason: "NCB: suspicious order, 2026-06" },
      who.ncb.token,
    );

    const sent = await nodes.india.api<Detail>(
      "POST",
      "/api/v1/precursors/notifications",
      notification(clock),
      who.ncb.token,
    );
    expect(sent.status).toBe(201);
    const onCanada = await until(nodes.canada, who.hc, sent.body.id, () => true);
    expect(onCanada.flags as Flag[]).toMatchObject([
      {
        role: "exporter",
        matched: "name",
        entry: { text: "SUNRISE FINE CHEMICALS PVT. LTD.", reason: "CBSA seizure, Vancouver, 2026-03" },
        score: 1,
      },
    ]);
    const onIndia = (await detailOn(nodes.india, who.ncb, sent.body.id)).body;
    expect(onIndia.flags as Flag[]).toMatchObject([
      {
        role: "importer",
        entry: { text: "Maple Leaf Reagents Incorporated", reason: "NCB: suspicious order, 2026-06" },
      },
    ]);
    // Neither node holds the other's watchlist or its reasons.
    expect(JSON.stringify(onCanada)).not.toContain("NCB: suspicious order");
    expect(JSON.stringify(onIndia)).not.toContain("CBSA seizure");
    const flagged = await nodes.canada.api<{ items: { id: string; flagCount: number }[] }>(
      "GET",
      "/api/v1/precursors/notifications?flagged=true",
      undefined,
      who.cbsa.token,
    );
    expect(flagged.body.items.find((n) => n.id === sent.body.id)?.flagCount).toBe(1);
  });
});
