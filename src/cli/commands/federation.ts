import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ApiClient, print } from "../api-client.ts";

const target = (cmd: Command) =>
  cmd
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token (default: <dataDir>/admin.token)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON");

export function registerFederation(program: Command): void {
  const peers = program.command("peers").description("pinned peer nodes");
  target(
    peers
      .command("add <descriptor>")
      .description("pin a peer from a descriptor file or the peer's base URL")
      .option(
        "--fingerprint <kid...>",
        "the peer's key ids as its operator read them to you out of band (`liaison keys show`); required with a URL",
      ),
  ).action(async (descriptor: string, options) => {
    const api = ApiClient.from(options);
    const fingerprints = options.fingerprint as string[] | undefined;
    if (/^https?:\/\//.test(descriptor) && !fingerprints?.length) {
      throw new Error("a descriptor fetched from a URL is pinned only with --fingerprint <kid>... given out of band");
    }
    const body = /^https?:\/\//.test(descriptor)
      ? { url: descriptor, fingerprints }
      : {
          descriptor: JSON.parse(readFileSync(descriptor, "utf8")) as Record<string, unknown>,
          ...(fingerprints ? { fingerprints } : {}),
        };
    const pinned = await api.call<{ party: string; baseUrl: string }>("POST", "/api/v1/federation/peers", body);
    console.log(`pinned ${pinned.party} at ${pinned.baseUrl}`);
  });
  target(peers.command("list").description("pinned peers and delivery state")).action(async (options) => {
    print(await ApiClient.from(options).call("GET", "/api/v1/federation/peers"), options.json);
  });

  const outbox = program.command("outbox").description("envelopes waiting for, or given up on, delivery");
  target(outbox.command("list").option("--status <status>", "pending, delivered or dead", "pending")).action(
    async (options) => {
      print(
        await ApiClient.from(options).call("GET", `/api/v1/federation/outbox?status=${options.status}`),
        options.json,
      );
    },
  );
  target(
    outbox
      .command("retry [envelopeIds...]")
      .description("put dead letters back in the queue")
      .option("--all", "every dead letter"),
  ).action(async (envelopeIds: string[], options) => {
    const body = options.all ? { all: true } : { envelopeIds };
    const result = await ApiClient.from(options).call<{ retried: string[] }>(
      "POST",
      "/api/v1/federation/outbox/retry",
      body,
    );
    console.log(`${result.retried.length} dead letter(s) queued again`);
  });
  target(program.command("envelope <envelopeId>").description("show a stored envelope (JWE) and its receipt")).action(
    async (envelopeId: string, options) => {
      print(await ApiClient.from(options).call("GET", `/api/v1/federation/envelopes/${envelopeId}`), true);
    },
  );

  const notice = program.command("notice").description("liaison notices");
  target(
    notice
      .command("send")
      .requiredOption("--to <party>", "recipient party, e.g. CA")
      .requiredOption("--text <text>", "the notice")
      .option("--legal-bases <ids>", "legal instruments, comma-separated (the compliance gate needs one)", ""),
  ).action(async (options) => {
    const result = await ApiClient.from(options).call("POST", "/api/v1/notices", {
      to: options.to,
      text: options.text,
      legalBases: String(options.legalBases)
        .split(",")
        .map((s: string) => s.trim())
        .filter(Boolean),
    });
    print(result, options.json);
  });
  target(notice.command("list").option("--direction <direction>", "outbound or inbound")).action(async (options) => {
    const query = options.direction ? `?direction=${options.direction}` : "";
    print(await ApiClient.from(options).call("GET", `/api/v1/notices${query}`), options.json);
  });
}
