import { Command } from "commander";
import { isLiaisonError } from "../core/errors.ts";
import { registerApprovals } from "./commands/approvals.ts";
import { registerAudit } from "./commands/audit.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerExchange } from "./commands/exchange.ts";
import { registerFederation } from "./commands/federation.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerPen } from "./commands/pen.ts";
import { registerReport } from "./commands/report.ts";
import { registerServe } from "./commands/serve.ts";
import { registerTokens } from "./commands/tokens.ts";
import { registerUsers } from "./commands/users.ts";
import { registerWorkplan } from "./commands/workplan.ts";

/** The `liaison` command. Each capability registers its subcommands from its own file. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command("liaison").description(
    "Liaison: bilateral security and law-enforcement cooperation node",
  );
  program.showHelpAfterError();
  for (const register of [
    registerServe,
    registerDemo,
    registerKeys,
    registerFederation,
    registerWorkplan,
    registerUsers,
    registerApprovals,
    registerTokens,
    registerAudit,
    registerReport,
    registerExchange,
    registerPen,
  ])
    register(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const message = isLiaisonError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
    process.stderr.write(`liaison: ${message}\n`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("/src/cli/main.ts")) {
  await main(process.argv);
}
