import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { ApiClient, print } from "../api-client.ts";

const target = (cmd: Command) =>
  cmd
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token of an agency user (LIAISON_TOKEN; `liaison login` prints one)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON");

const list = (value: string) =>
  value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

const CONTENT_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
};

function attachment(path: string) {
  const ext = path.split(".").pop()?.toLowerCase() ?? "";
  return {
    name: basename(path),
    contentType: CONTENT_TYPES[ext] ?? "application/octet-stream",
    content: readFileSync(path).toString("base64"),
  };
}

type Thread = { id: string; subject: string; lane: string; priority: string; direction: string; msLeft: number | null };

/** `liaison request send ...`, `liaison inbox`, `liaison thread <id>`: the exchange through the node's API. */
export function registerExchange(program: Command): void {
  const request = program.command("request").description("requests, disclosures and alerts to the other party");
  target(
    request
      .command("send")
      .description("open a thread with a request (or --kind disclosure|alert)")
      .requiredOption("--to <party>", "the other party, e.g. CA")
      .requiredOption("--lane <lane>", "drugs, organised-crime, cyber, fraud-immigration or security")
      .requiredOption("--subject <text>", "thread subject")
      .requiredOption("--text <text>", "message text")
      .option("--kind <kind>", "request, disclosure or alert", "request")
      .option("--to-agency <id>", "counterpart agency, e.g. ca-rcmp")
      .option("--priority <level>", "urgent, high or routine", "routine")
      .option("--tlp <label>", "TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN or TLP:CLEAR", "TLP:AMBER")
      .option("--permitted-use <codes>", "comma-separated H0-H3", "H0,H1")
      .option("--legal-bases <ids>", "comma-separated instrument ids", "BI-WORKPLAN-2026")
      .option("--personal-data", "the message carries personal data", false)
      .option("--purpose <text>", "stated purpose in words (needed with personal data)")
      .option(
        "--purpose-code <code>",
        "what it serves, from the controlled list, e.g. precursor-diversion, investigation",
      )
      .option("--intended-use <use>", "intelligence, lead or evidence", "intelligence")
      .option("--recipients <usernames>", "named recipients (TLP:RED)")
      .option("--entities <json>", "entities as a JSON array")
      .option("--attach <files...>", "files to attach (pdf, png, jpeg, txt, csv, json)"),
  ).action(async (options) => {
    const api = ApiClient.from(options);
    const thread = await api.call<{ id: string; messages: { id: string; status: string; decision: unknown }[] }>(
      "POST",
      "/api/v1/threads",
      {
        lane: options.lane,
        subject: options.subject,
        to: options.to,
        ...(options.toAgency ? { toAgency: options.toAgency } : {}),
        message: {
          kind: options.kind,
          text: options.text,
          priority: options.priority,
          tlp: options.tlp,
          permittedUse: list(options.permittedUse),
          legalBases: list(options.legalBases),
          personalData: Boolean(options.personalData),
          ...(options.purpose ? { purpose: options.purpose } : {}),
          ...(options.purposeCode ? { purposeCode: options.purposeCode } : {}),
          intendedUse: options.intendedUse,
          ...(options.recipients ? { recipients: list(options.recipients) } : {}),
          ...(options.entities ? { entities: JSON.parse(options.entities) } : {}),
          ...(options.attach ? { attachments: (options.attach as string[]).map(attachment) } : {}),
        },
      },
    );
    if (options.json) return print(thread, true);
    console.log(`thread ${thread.id}: ${thread.messages[0]?.status}`);
  });

  target(
    program
      .command("inbox")
      .description("inbound threads, soonest deadline first")
      .option("--outbound", "sent threads instead")
      .option("--unassigned", "only threads not yet triaged"),
  ).action(async (options) => {
    const query = new URLSearchParams({ direction: options.outbound ? "outbound" : "inbound" });
    if (options.unassigned) query.set("unassigned", "true");
    const result = await ApiClient.from(options).call<{ items: Thread[] }>("GET", `/api/v1/threads?${query}`);
    if (options.json) return print(result, true);
    print(
      {
        items: result.items.map((t) => ({
          id: t.id,
          lane: t.lane,
          priority: t.priority,
          subject: t.subject,
          hoursLeft: t.msLeft === null ? "" : (t.msLeft / 3_600_000).toFixed(1),
        })),
      },
      false,
    );
  });

  target(program.command("thread <id>").description("one thread with its messages")).action(async (id, options) => {
    print(await ApiClient.from(options).call("GET", `/api/v1/threads/${id}`), true);
  });
}
