import type { Command } from "commander";
import { ApiClient, type ApiTarget, print } from "../api-client.ts";

const target = (cmd: Command) =>
  cmd
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token of the deciding user (default: <dataDir>/admin.token)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON");

interface Approval {
  id: string;
  kind: string;
  status: string;
  summary: string;
  requester: string;
  agency: string;
  input: { username?: string; role?: string; previousRole?: string | null } | null;
  createdAt: string;
}

/**
 * `liaison approvals ...`: the four-eyes queue through the running node's API: escalated disclosures for an
 * agency's approvers, role grants (kind identity.role-grant) for a second administrator. The node decides who may
 * see and decide each case (Cedar, approval.read / approval.decide); the CLI only asks.
 */
export function registerApprovals(program: Command): void {
  const approvals = program.command("approvals").description("cases waiting for a second person's decision");
  target(
    approvals
      .command("list")
      .description("cases you may see (default: pending)")
      .option("--status <status>", "pending, approved or rejected", "pending")
      .option("--kind <kind>", "identity.role-grant or exchange.message")
      .option("--role-grants", "only role grants (same as --kind identity.role-grant)"),
  ).action(async (options: ApiTarget & { status: string; kind?: string; roleGrants?: boolean; json?: boolean }) => {
    const query = new URLSearchParams({ status: options.status });
    const kind = options.roleGrants ? "identity.role-grant" : options.kind;
    if (kind) query.set("kind", kind);
    const result = await ApiClient.from(options).call<{ items: Approval[] }>("GET", `/api/v1/approvals?${query}`);
    if (options.json) return print(result, true);
    print({ items: result.items.map(row) }, false);
  });
  for (const [name, approve] of [
    ["approve", true],
    ["reject", false],
  ] as const) {
    target(
      approvals
        .command(`${name} <id>`)
        .description(`${name} a case as the second person (refused if you asked for it or changed that account)`)
        .requiredOption("--basis <text>", "the written basis of the decision (at least 10 characters)"),
    ).action(async (id: string, options: ApiTarget & { basis: string; json?: boolean }) => {
      const decided = await ApiClient.from(options).call<Approval>("POST", `/api/v1/approvals/${id}/decision`, {
        approve,
        basis: options.basis,
      });
      print(options.json ? decided : row(decided), options.json);
    });
  }
}

/** One line of the queue: for a role grant, who and which role. */
function row(a: Approval) {
  const grant = a.kind === "identity.role-grant" && a.input ? a.input : undefined;
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    ...(grant ? { user: grant.username, role: grant.role, from: grant.previousRole ?? "" } : { agency: a.agency }),
    summary: a.summary,
    requester: a.requester,
    createdAt: a.createdAt,
  };
}
