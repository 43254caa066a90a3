import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.ts";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run a node: HTTP API, federation inbox and the delivery worker")
    .option("-c, --config <file>", "config file (JSON); LIAISON_* variables override it")
    .option("--create-keys", "create the node's keys if they are missing")
    .action(async (options: { config?: string; createKeys?: boolean }) => {
      const config = loadConfig(options.config);
      // Loaded here, not at the top: the whole node is about a second of start-up every other command would pay.
      const { createNode } = await import("../../node/node.ts");
      const { applyHeapGrowth, heapGrowthPercent } = await import("../../node/heap-growth.ts");
      applyHeapGrowth(heapGrowthPercent(config));
      const node = await createNode(config, { createKeys: options.createKeys ?? false });
      const address = await node.listen();
      node.deps.logger.info({ address, party: config.party }, "liaison node listening");
      const shutdown = async (signal: string) => {
        node.deps.logger.info({ signal }, "shutting down");
        await node.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void shutdown("SIGINT"));
      process.once("SIGTERM", () => void shutdown("SIGTERM"));
    });
}
