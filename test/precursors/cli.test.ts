import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { ManualClock, systemClock } from "../../src/core/clock.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { type Authorities, authorities, notification, until } from "./helpers.ts";

async function run(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await main(["node", "liaison", ...args]);
  } finally {
    spy.mockRestore();
  }
  return chunks.join("");
}

describe("liaison pen send / list / reply", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let who: Authorities;
  beforeAll(async () => {
    nodes = await startTwoNodes();
    who = await authorities(nodes.india, nodes.canada);
  }, 120_000);
  afterAll(async () => nodes?.close());

  it("sends from a JSON file, lists on the other node, answers there, and the exporter sees the answer", async () => {
    const file = join(nodes.india.dataDir, "pen.json");
    writeFileSync(file, JSON.stringify(notification(new ManualClock(systemClock.now()))));
    const sent = JSON.parse(
      await run(["pen", "send", file, "--node", nodes.india.url, "--token", who.ncb.token, "--json"]),
    ) as { id: string; status: string };
    expect(sent.status).toBe("awaiting-reply");
    const listed = await eventually(async () => {
      const out = await run([
        "pen",
        "list",
        "--direction",
        "inbound",
        "--company",
        "SUNRISE FINE CHEMICALS PVT. LTD.",
        "--node",
        nodes.canada.url,
        "--token",
        who.hc.token,
        "--json",
      ]);
      return (JSON.parse(out) as { items: { id: string }[] }).items.find((n) => n.id === sent.id);
    });
    expect(listed).toBeDefined();
    const answered = JSON.parse(
      await run([
        "pen",
        "reply",
        sent.id,
        "--answer",
        "request-information",
        "--reason",
        "End-user certificate of the importer",
        "--node",
        nodes.canada.url,
        "--token",
        who.hc.token,
        "--json",
      ]),
    ) as { status: string };
    expect(answered.status).toBe("information-requested");
    await until(nodes.india, who.ncb, sent.id, (d) => d.status === "information-requested");
    const shown = JSON.parse(
      await run(["pen", "show", sent.id, "--node", nodes.india.url, "--token", who.ncb.token, "--json"]),
    ) as { history: { type: string; details: { reply?: string } }[] };
    expect(shown.history.map((e) => e.details.reply ?? e.type)).toEqual(["sent", "request-information"]);
  });
});
