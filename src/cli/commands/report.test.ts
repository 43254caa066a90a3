import { describe, expect, it } from "vitest";
import { formatAcaReport } from "./report.ts";

describe("formatAcaReport", () => {
  it("prints one line per agency with its figures and a bar scaled to the largest", () => {
    const text = formatAcaReport({
      party: "CA",
      year: 2026,
      dueBefore: "2027-03-01",
      agencies: [
        {
          agency: "ca-rcmp",
          acronym: "RCMP",
          escalated: 4,
          approved: 2,
          rejected: 1,
          pending: 1,
          refused: 3,
          determinations: [
            { approvalId: "a1", determination: "risk-can-be-mitigated", measures: ["caveat-h2", "written-assurance"] },
          ],
        },
        { agency: "ca-cbsa", acronym: "CBSA", escalated: 0, approved: 0, rejected: 0, pending: 0, refused: 0 },
      ],
      totals: {
        escalated: 4,
        approved: 2,
        rejected: 1,
        pending: 1,
        refused: 3,
        refusalsByRule: { "ca-aca-substantial-risk": 2, "ca-legal-basis": 1 },
      },
    });
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toContain("before 2027-03-01");
    expect(lines.find((l) => l.startsWith("RCMP"))).toMatch(/RCMP\s+4\s+2\s+1\s+1\s+3\s+#{30}$/);
    expect(lines.find((l) => l.startsWith("CBSA"))).toMatch(/CBSA\s+0\s+0\s+0\s+0\s+0\s*$/);
    expect(lines.find((l) => l.startsWith("total"))).toMatch(/^total\s+4\s+2\s+1\s+1\s+3$/);
    expect(lines).toContainEqual(expect.stringMatching(/^\s+ca-aca-substantial-risk\s+2$/));
    expect(lines.at(-1)).toMatch(/RCMP\s+risk-can-be-mitigated\s+caveat-h2, written-assurance$/);
  });
});
