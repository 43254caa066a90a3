import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { request } from "undici";
import { loadConfig } from "../../config/load-config.ts";
import { ApiClient, type ApiTarget, print } from "../api-client.ts";

const target = (cmd: Command) =>
  cmd
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token (default: <dataDir>/admin.token)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON");

type Plan = {
  party: string;
  agreement: { title: string; agreedOn: string } | null;
  lanes: Record<string, string>;
  initiatives: {
    id: string;
    lane: string;
    title: string;
    status: string;
    health: Record<string, string | null>;
    milestones: { id: string; title: string; dueDate: string; owner: string; status: string }[];
  }[];
  proposals: { status: string }[];
};

function describePlan(plan: Plan): string {
  if (!plan.agreement) return "This node holds no workplan yet.";
  const lines = [`${plan.agreement.title} (agreed ${plan.agreement.agreedOn}) - seen from ${plan.party}`];
  for (const lane of new Set(plan.initiatives.map((i) => i.lane))) {
    lines.push("", `${plan.lanes[lane] ?? lane}`);
    for (const i of plan.initiatives.filter((x) => x.lane === lane)) {
      const health = Object.entries(i.health)
        .map(([p, h]) => `${p} ${h ?? "-"}`)
        .join(", ");
      lines.push(`  [${i.id}] ${i.title}`, `      status ${i.status}; health ${health}`);
      for (const m of i.milestones) lines.push(`      - ${m.dueDate} ${m.title} (${m.owner}, ${m.status}) [${m.id}]`);
    }
  }
  const open = plan.proposals.filter((p) => p.status === "proposed").length;
  lines.push("", `${open} open proposal(s): liaison workplan proposals`);
  return lines.join("\n");
}

/** The raw bytes of a report (ApiClient.call reads JSON). Same node and token resolution as ApiClient.from. */
async function download(options: ApiTarget, path: string): Promise<Buffer> {
  let baseUrl = options.node ?? process.env.LIAISON_NODE_URL;
  let token = options.token ?? process.env.LIAISON_TOKEN;
  if (!baseUrl || !token) {
    const config = loadConfig(options.config);
    baseUrl ??= config.baseUrl;
    token ??= readFileSync(join(config.dataDir, "admin.token"), "utf8").trim();
  }
  const response = await request(new URL(path, baseUrl), { headers: { authorization: `Bearer ${token}` } });
  const body = Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode >= 400) {
    const problem = JSON.parse(body.toString("utf8")) as { code?: string; detail?: string };
    throw new Error(`${problem.code ?? response.statusCode}: ${problem.detail ?? ""}`);
  }
  return body;
}

export function registerWorkplan(program: Command): void {
  const workplan = program.command("workplan").description("the joint workplan replicated on both nodes");
  target(workplan.command("show").description("lanes, initiatives and milestones")).action(async (options) => {
    const plan = await ApiClient.from(options).call<Plan>("GET", "/api/v1/workplan");
    if (options.json) print(plan, true);
    else console.log(describePlan(plan));
  });
  target(workplan.command("seed").description("load the published genesis plan on this node (idempotent)")).action(
    async (options) => {
      const result = await ApiClient.from(options).call<{ agreementId: string; digest: string; seeded: boolean }>(
        "POST",
        "/api/v1/workplan/seed",
      );
      console.log(`${result.agreementId}: ${result.seeded ? "seeded" : "already seeded"} (genesis ${result.digest})`);
    },
  );
  target(workplan.command("hash").description("the state hash, equal on both nodes once converged")).action(
    async (options) => print(await ApiClient.from(options).call("GET", "/api/v1/workplan/state-hash"), true),
  );
  target(
    workplan
      .command("propose")
      .description("propose a change to agreed content; the other party accepts or rejects it")
      .requiredOption("--initiative <id>", "initiative id")
      .requiredOption("--field <field>", "objective, scope, title, status, start, end or milestone.dueDate")
      .requiredOption("--value <value>", "the new value")
      .option("--milestone <id>", "milestone id (for milestone.dueDate)"),
  ).action(async (options) => {
    const change: Record<string, unknown> = { field: options.field, value: options.value };
    if (options.milestone) change.milestoneId = options.milestone;
    const result = await ApiClient.from(options).call<{ id: string; status: string }>(
      "POST",
      "/api/v1/workplan/proposals",
      { initiativeId: options.initiative, change },
    );
    if (options.json) print(result, true);
    else console.log(`proposal ${result.id} ${result.status}; the other party accepts or rejects it`);
  });
  target(
    workplan
      .command("proposals")
      .description("proposals and their status")
      .option("--status <status>", "proposed, accepted, rejected or superseded"),
  ).action(async (options) => {
    const query = options.status ? `?status=${encodeURIComponent(options.status)}` : "";
    const result = await ApiClient.from(options).call<{ items: Record<string, unknown>[] }>(
      "GET",
      `/api/v1/workplan/proposals${query}`,
    );
    const rows = result.items.map((p) => ({ ...p, change: JSON.stringify(p.change) }));
    print(options.json ? result : { items: rows }, options.json);
  });
  for (const decision of ["accept", "reject"] as const) {
    target(
      workplan
        .command(`${decision} <proposalId>`)
        .description(`${decision} the other party's proposal`)
        .option("--reason <text>", "why (reject)"),
    ).action(async (proposalId: string, options) => {
      const body = decision === "reject" ? { reason: options.reason ?? "" } : {};
      const result = await ApiClient.from(options).call<{ id: string; status: string }>(
        "POST",
        `/api/v1/workplan/proposals/${encodeURIComponent(proposalId)}/${decision}`,
        body,
      );
      console.log(`proposal ${result.id} ${result.status}`);
    });
  }
  target(
    workplan
      .command("report")
      .description("progress report for the advisers: HTML to stdout, or a PDF file")
      .option("--pdf <file>", "write a PDF here")
      .option("--lane <lane>", "one lane only"),
  ).action(async (options) => {
    const lane = options.lane ? `&lane=${encodeURIComponent(options.lane)}` : "";
    if (options.pdf) {
      const pdf = await download(options, `/api/v1/workplan/report?format=pdf${lane}`);
      writeFileSync(options.pdf, pdf);
      console.log(`wrote ${options.pdf} (${pdf.length} bytes)`);
    } else {
      process.stdout.write((await download(options, `/api/v1/workplan/report?format=html${lane}`)).toString("utf8"));
    }
  });
}
