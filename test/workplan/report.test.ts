import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PDFParse } from "pdf-parse";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { tempDir } from "../support/nodes.ts";
import { addMilestone, converged, type Proposal, startWorkplanNodes } from "./helpers.ts";

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

// Two real nodes on a shared 2-core machine: a round trip can take seconds.
describe("workplan progress report", { timeout: 90_000 }, () => {
  let nodes: Awaited<ReturnType<typeof startWorkplanNodes>>;
  beforeAll(async () => {
    nodes = await startWorkplanNodes();
    const { india, canada } = nodes;
    await addMilestone(india, nodes.in.coordinator, canada, nodes.ca.coordinator, "drugs-precursors", {
      title: "Precursor watch list exchanged",
      dueDate: day(-10),
      owner: "IN",
    });
    await addMilestone(canada, nodes.ca.coordinator, india, nodes.in.coordinator, "cyber", {
      title: "Cyber dialogue terms of reference",
      dueDate: day(20),
      owner: "CA",
    });
    await india.api(
      "POST",
      "/api/v1/workplan/reviews",
      {
        date: day(-3),
        title: "Advisers' review",
        attendees: ["NSA", "NSIA"],
        decisions: ["Liaison officers to be named by both sides"],
        actionItems: [{ text: "Share the precursor contact list", owner: "CA", due: day(30) }],
      },
      nodes.in.coordinator,
    );
    await india.api(
      "POST",
      "/api/v1/workplan/initiatives/drugs-precursors/progress",
      { date: day(-1), note: "Two alerts exchanged" },
      nodes.in.coordinator,
    );
    await converged(india, canada);
  }, 180_000);
  afterAll(async () => nodes?.close());

  it("renders the overall brief as HTML on either node", async () => {
    for (const node of [nodes.india, nodes.canada]) {
      const r = await node.app.inject({
        method: "GET",
        url: "/api/v1/workplan/report?format=html",
        headers: { authorization: `Bearer ${node === nodes.india ? nodes.in.coordinator : nodes.ca.coordinator}` },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toContain("text/html");
      const overdue = r.body.indexOf("Overdue milestones");
      const dueSoon = r.body.indexOf("Milestones due in the next");
      expect(r.body.indexOf("Precursor watch list exchanged")).toBeGreaterThan(overdue);
      expect(r.body.indexOf("Precursor watch list exchanged")).toBeLessThan(dueSoon);
      expect(r.body.indexOf("Cyber dialogue terms of reference")).toBeGreaterThan(dueSoon);
      expect(r.body).toContain("Liaison officers to be named by both sides");
      expect(r.body).toContain("Two alerts exchanged");
      expect(r.body).toContain("no exchange data");
    }
  });

  it("produces a PDF that opens and holds the expected text, for one lane", async () => {
    const r = await nodes.canada.app.inject({
      method: "GET",
      url: "/api/v1/workplan/report?lane=drugs&format=pdf",
      headers: { authorization: `Bearer ${nodes.ca.coordinator}` },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/pdf");
    expect(r.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    const parser = new PDFParse({ data: new Uint8Array(r.rawPayload) });
    const { text } = await parser.getText();
    await parser.destroy();
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain("Workplan progress report");
    expect(flat).toContain("Precursor watch list exchanged");
    expect(flat).toContain("Liaison officers to be named by both sides");
    expect(flat).toContain("Share the precursor contact list");
    expect(flat).toContain("no exchange data");
    // Only the drugs lane.
    expect(flat).toContain("Timely information sharing on the illegal flow of drugs");
    expect(flat).not.toContain("Cyber dialogue terms of reference");
  });

  it("refuses an unknown lane or format with a documented code, and the report to an analyst", async () => {
    const analyst = await nodes.india.api<{ code: string }>(
      "GET",
      "/api/v1/workplan/report",
      undefined,
      nodes.in.analyst,
    );
    expect([analyst.status, analyst.body.code]).toEqual([403, "LIAISON_POLICY_DENIED"]);
    const lane = await nodes.india.api<{ code: string }>("GET", "/api/v1/workplan/report?lane=no-such-lane");
    expect([lane.status, lane.body.code]).toEqual([404, "LIAISON_WORKPLAN_LANE_NOT_FOUND"]);
    const format = await nodes.india.api<{ code: string }>("GET", "/api/v1/workplan/report?format=docx");
    expect([format.status, format.body.code]).toEqual([400, "LIAISON_REQUEST_INVALID"]);
  });

  it("drives the workplan from the CLI: show, propose and a PDF report", async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const log = vi.spyOn(console, "log").mockImplementation((...args) => void out.push(args.join(" ")));
    const cli = (token: string, ...args: string[]) =>
      main(["node", "liaison", "workplan", ...args, "--node", nodes.india.url, "--token", token]);
    const pdf = join(tempDir(), "brief.pdf");
    try {
      await cli(nodes.in.analyst, "show");
      await cli(
        nodes.in.coordinator,
        "propose",
        "--initiative",
        "toc-networks",
        "--field",
        "scope",
        "--value",
        "Gangs and cartels",
      );
      await cli(nodes.in.coordinator, "report", "--pdf", pdf);
    } finally {
      spy.mockRestore();
      log.mockRestore();
    }
    const text = out.join("\n");
    expect(text).toContain("[drugs-precursors]");
    expect(text).toMatch(/proposal [0-9a-f-]{36} proposed/);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe("%PDF-");
    const proposals = await nodes.india.api<{ items: Proposal[] }>("GET", "/api/v1/workplan/proposals?status=proposed");
    expect(proposals.body.items.some((p) => p.proposer === "IN")).toBe(true);
  });
});
