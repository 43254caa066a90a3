import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ApiClient, type ApiTarget, print } from "../api-client.ts";

const target = (cmd: Command) =>
  cmd
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token of a competent-authority user (LIAISON_TOKEN; `liaison login` prints one)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON");

interface Summary {
  id: string;
  direction: string;
  reference: string;
  cas: string;
  substance: string;
  quantity: { amount: string; unit: string };
  exporter: string;
  importer: string;
  replyBy: string;
  version: number;
  status: string;
  shipment: string;
  flagCount: number;
}
interface Detail extends Summary {
  history: { at: string; type: string; by: string; version: number; applied: boolean; details: unknown }[];
}

/** One line of the list, as an officer scans it: what, how much, between whom, until when, where it stands. */
const row = (n: Summary) => ({
  id: n.id,
  dir: n.direction === "outbound" ? "out" : "in",
  reference: n.reference,
  substance: `${n.substance} (${n.cas})`,
  quantity: `${n.quantity.amount} ${n.quantity.unit}`,
  exporter: n.exporter,
  importer: n.importer,
  replyBy: n.replyBy,
  status: `${n.status} v${n.version}`,
  shipment: n.shipment,
  flags: n.flagCount,
});

/** The notification and its history, the same lines the other node shows. */
function printDetail(d: Detail, json: boolean | undefined) {
  if (json) return print(d, true);
  print({ items: [row(d)] }, false);
  print(
    {
      items: d.history.map((e) => ({
        at: e.at,
        step: e.type,
        by: e.by,
        version: e.version,
        applied: e.applied,
        details: JSON.stringify(e.details).slice(0, 120),
      })),
    },
    false,
  );
}

/**
 * `liaison pen send|list|show|reply`: pre-export notifications through the running node's API. The node decides
 * everything (Cedar for who, the catalogue for the substance, the gate for the disclosure); the CLI only asks.
 */
export function registerPen(program: Command): void {
  const pen = program.command("pen").description("pre-export notifications of precursor chemicals");
  target(
    pen
      .command("send <file>")
      .description("send a notification: a JSON body of POST /api/v1/precursors/notifications (- for stdin)")
      .option("--reply-by <instant>", "override the file's replyBy (ISO 8601)"),
  ).action(async (file: string, options: ApiTarget & { replyBy?: string; json?: boolean }) => {
    const body = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8")) as Record<string, unknown>;
    if (options.replyBy) body.replyBy = options.replyBy;
    const sent = await ApiClient.from(options).call<Detail>("POST", "/api/v1/precursors/notifications", body);
    printDetail(sent, options.json);
  });
  target(
    pen
      .command("list")
      .description("notifications sent and received, newest first")
      .option("--direction <direction>", "outbound or inbound")
      .option(
        "--status <status>",
        "awaiting-reply, no-objection, objection, information-requested, no-reply, withdrawn",
      )
      .option("--cas <cas>", "one substance, by CAS number")
      .option("--company <name>", "an exporter, importer or consignee (folded as the watchlist folds names)")
      .option("--due-before <instant>", "replyBy before this instant (ISO 8601)")
      .option("--flagged", "only those the watchlist flagged")
      .option("--limit <n>", "page size", "50")
      .option("--cursor <id>", "the next page after this id (printed as nextCursor)"),
  ).action(
    async (
      options: ApiTarget & {
        direction?: string;
        status?: string;
        cas?: string;
        company?: string;
        dueBefore?: string;
        flagged?: boolean;
        limit: string;
        cursor?: string;
        json?: boolean;
      },
    ) => {
      const query = new URLSearchParams({ limit: options.limit });
      for (const [key, value] of [
        ["direction", options.direction],
        ["status", options.status],
        ["cas", options.cas],
        ["company", options.company],
        ["dueBefore", options.dueBefore],
        ["cursor", options.cursor],
        ["flagged", options.flagged ? "true" : undefined],
      ] as const) {
        if (value) query.set(key, value);
      }
      const result = await ApiClient.from(options).call<{ items: Summary[]; nextCursor: string | null }>(
        "GET",
        `/api/v1/precursors/notifications?${query}`,
      );
      if (options.json) return print(result, true);
      print({ items: result.items.map(row) }, false);
      if (result.nextCursor) process.stdout.write(`nextCursor: ${result.nextCursor}\n`);
    },
  );
  target(pen.command("show <id>").description("one notification with its status history")).action(
    async (id: string, options: ApiTarget & { json?: boolean }) => {
      printDetail(
        await ApiClient.from(options).call<Detail>("GET", `/api/v1/precursors/notifications/${id}`),
        options.json,
      );
    },
  );
  target(
    pen
      .command("reply <id>")
      .description("answer a received notification before its replyBy")
      .requiredOption("--answer <answer>", "no-objection, objection or request-information")
      .option("--reason <text>", "why (an objection) or what is needed (a request for information)")
      .option("--version <n>", "the version answered (default: the current one, as the node shows it now)")
      .option("--legal-basis <ids>", "comma-separated bases of this party, if not the notification's"),
  ).action(
    async (
      id: string,
      options: ApiTarget & { answer: string; reason?: string; version?: string; legalBasis?: string; json?: boolean },
    ) => {
      const client = ApiClient.from(options);
      // The version is what the officer saw: read now, so an amendment arriving since is not answered blindly.
      const version = options.version
        ? Number(options.version)
        : (await client.call<Detail>("GET", `/api/v1/precursors/notifications/${id}`)).version;
      const answered = await client.call<Detail>("POST", `/api/v1/precursors/notifications/${id}/reply`, {
        reply: options.answer,
        version,
        ...(options.reason ? { reason: options.reason } : {}),
        ...(options.legalBasis ? { legalBases: options.legalBasis.split(",").map((b) => b.trim()) } : {}),
      });
      printDetail(answered, options.json);
    },
  );
}
