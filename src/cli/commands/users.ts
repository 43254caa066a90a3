import type { Command } from "commander";
import { ApiClient, print } from "../api-client.ts";

const target = (cmd: Command) =>
  cmd
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token of an administrator (default: <dataDir>/admin.token)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON");

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // Only the line end a shell adds is dropped: spaces may be part of a password.
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

interface AddOptions {
  node?: string;
  token?: string;
  config?: string;
  username: string;
  role: string;
  agency?: string;
  displayName?: string;
  lanes?: string;
  password?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/** `liaison users ...`: user administration through the running node's API (administrators only). */
export function registerUsers(program: Command): void {
  const users = program.command("users").description("local user accounts of this node");
  target(
    users
      .command("add")
      .description("create a user")
      .requiredOption("--username <username>", "login name, e.g. in.ncb.officer")
      .requiredOption(
        "--role <role>",
        "liaison-officer, analyst, approver, workplan-coordinator, auditor or administrator",
      )
      .option("--agency <id>", "agency id from agencies.json, e.g. in-ncb (not needed for auditor, administrator)")
      .option("--display-name <name>", "name shown to others")
      .option("--lanes <lanes>", "comma-separated lanes (default: all the agency serves)")
      .option("--password <password>", "initial password (visible in the process list: prefer --password-stdin)")
      .option("--password-stdin", "read the initial password from standard input"),
  ).action(async (options: AddOptions) => {
    if (Boolean(options.password) === Boolean(options.passwordStdin)) {
      throw new Error("give exactly one of --password and --password-stdin");
    }
    const password = options.passwordStdin ? await readStdin() : (options.password as string);
    const created = await ApiClient.from(options).call("POST", "/api/v1/users", {
      username: options.username,
      role: options.role,
      password,
      ...(options.agency ? { agency: options.agency } : {}),
      ...(options.displayName ? { displayName: options.displayName } : {}),
      ...(options.lanes ? { lanes: options.lanes.split(",").map((l) => l.trim()) } : {}),
    });
    print(created, options.json);
  });
  target(users.command("list").description("every user of this node (no passwords)")).action(async (options) => {
    const result = await ApiClient.from(options).call<{ items: Record<string, unknown>[] }>("GET", "/api/v1/users");
    if (options.json) return print(result, true);
    print({ items: result.items.map(({ lanes, createdAt, ...rest }) => ({ ...rest, lanes: String(lanes) })) }, false);
  });
  target(users.command("disable <id>").description("disable a user and end their sessions")).action(
    async (id: string, options) => {
      print(await ApiClient.from(options).call("POST", `/api/v1/users/${id}/disable`), options.json);
    },
  );
}
