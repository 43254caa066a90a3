import type { Command } from "commander";
import { ApiClient, print } from "../api-client.ts";

const target = (cmd: Command) =>
  cmd
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token of an administrator (default: <dataDir>/admin.token)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON");

interface TokenItem {
  id: string;
  principal: string;
  role: string;
  label: string;
  expiresAt: string;
  status: string;
}

/** `liaison tokens list|revoke`: the node's API tokens, through its API (administrators only; revocation is audited). */
export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("API tokens of this node (ids and expiry; never the secrets)");
  target(tokens.command("list").description("every API token: id, owner, role, expiry, status")).action(
    async (options) => {
      const result = await ApiClient.from(options).call<{ items: TokenItem[] }>("GET", "/api/v1/tokens");
      if (options.json) return print(result, true);
      print(
        {
          items: result.items.map(({ id, principal, role, label, expiresAt, status }) => ({
            id,
            principal,
            role,
            label,
            expiresAt,
            status,
          })),
        },
        false,
      );
    },
  );
  target(
    tokens
      .command("revoke <id>")
      .description(
        "revoke a token by id: it is refused from now on (revoking the bootstrap token: restart the node for a new one)",
      ),
  ).action(async (id: string, options) => {
    print(await ApiClient.from(options).call("POST", `/api/v1/tokens/${encodeURIComponent(id)}/revoke`), options.json);
  });
}
