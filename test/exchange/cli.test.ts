import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { type Actor, actor } from "./helpers.ts";

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

describe("liaison request send / inbox", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let inOfficer: Actor;
  let caOfficer: Actor;
  beforeAll(async () => {
    nodes = await startTwoNodes();
    inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    caOfficer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
  }, 120_000);
  afterAll(async () => nodes?.close());

  it("sends a request from the command line and finds it in the other node's inbox", async () => {
    const subject = `CLI request ${Math.random().toString(36).slice(2, 8)}`;
    const out = await run([
      "request",
      "send",
      "--node",
      nodes.india.url,
      "--token",
      inOfficer.token,
      "--json",
      "--to",
      "CA",
      "--to-agency",
      "ca-rcmp",
      "--lane",
      "drugs",
      "--priority",
      "high",
      "--subject",
      subject,
      "--text",
      "Who is the consignee of shipment 4711?",
    ]);
    const thread = JSON.parse(out) as { id: string; messages: { status: string }[] };
    expect(thread.messages[0]?.status).toBe("sent");
    const inbox = await eventually(async () => {
      const text = await run(["inbox", "--node", nodes.canada.url, "--token", caOfficer.token, "--json"]);
      const items = (JSON.parse(text) as { items: { id: string; subject: string }[] }).items;
      return items.find((t) => t.id === thread.id);
    });
    expect(inbox.subject).toBe(subject);
  });
});
