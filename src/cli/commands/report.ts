import type { Command } from "commander";
import { ApiClient } from "../api-client.ts";

interface AcaReport {
  party: string;
  year: number;
  dueBefore: string;
  agencies: {
    agency: string;
    acronym: string;
    escalated: number;
    approved: number;
    rejected: number;
    pending: number;
    refused?: number;
    determinations?: { approvalId: string; determination: string | null; measures: string[] }[];
  }[];
  totals: {
    escalated: number;
    approved: number;
    rejected: number;
    pending: number;
    refused?: number;
    refusalsByRule?: Record<string, number>;
  };
}

/** One line per agency with a bar, so the figures read at a glance in a terminal. */
export function formatAcaReport(report: AcaReport): string {
  const widest = Math.max(1, ...report.agencies.map((a) => a.escalated));
  const lines = [
    `Mistreatment-risk escalations, ${report.party}, ${report.year} (report to the minister before ${report.dueBefore})`,
    "",
    `${"agency".padEnd(14)}${"escalated".padStart(10)}${"approved".padStart(10)}${"rejected".padStart(10)}${"pending".padStart(9)}${"refused".padStart(9)}`,
  ];
  for (const a of report.agencies) {
    const bar = "#".repeat(Math.round((a.escalated / widest) * 30));
    lines.push(
      `${a.acronym.padEnd(14)}${String(a.escalated).padStart(10)}${String(a.approved).padStart(10)}${String(a.rejected).padStart(10)}${String(a.pending).padStart(9)}${String(a.refused ?? 0).padStart(9)}  ${bar}`,
    );
  }
  const t = report.totals;
  lines.push(
    `${"total".padEnd(14)}${String(t.escalated).padStart(10)}${String(t.approved).padStart(10)}${String(t.rejected).padStart(10)}${String(t.pending).padStart(9)}${String(t.refused ?? 0).padStart(9)}`,
  );
  const rules = Object.entries(t.refusalsByRule ?? {});
  if (rules.length > 0) {
    lines.push("", "Refusals by rule");
    for (const [rule, count] of rules) lines.push(`  ${rule.padEnd(44)}${String(count).padStart(6)}`);
  }
  const determinations = report.agencies.flatMap((a) => (a.determinations ?? []).map((d) => ({ ...d, a })));
  if (determinations.length > 0) {
    lines.push("", "Deputy head's determinations (ACA direction 1(3))");
    for (const d of determinations) {
      lines.push(
        `  ${d.a.acronym.padEnd(12)}${(d.determination ?? "").padEnd(26)}${d.measures.join(", ") || "no measures"}`,
      );
    }
  }
  return `${lines.map((line) => line.trimEnd()).join("\n")}\n`;
}

export function registerReport(program: Command): void {
  const report = program.command("report").description("reports for oversight");
  report
    .command("aca")
    .description("yearly escalations and outcomes per agency under the mistreatment-risk directions")
    .requiredOption("--year <year>", "calendar year, e.g. 2026")
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token (default: <dataDir>/admin.token)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON")
    .action(async (options) => {
      const year = Number(options.year);
      if (!Number.isInteger(year)) throw new Error(`--year must be a year, not ${options.year}`);
      const result = await ApiClient.from(options).call<AcaReport>("GET", `/api/v1/reports/aca?year=${year}`);
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatAcaReport(result));
    });
}
