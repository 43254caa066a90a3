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
      // A supervisor stops with SIGTERM, a terminal with SIGINT (Ctrl-C reaches both `liaison` and this process,
      // which then sees it twice) or SIGHUP when it closes: each is a graceful stop, and repeats while stopping
      // are ignored rather than killing the node half-way through closing.
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        node.deps.logger.info({ signal }, "shutting down");
        try {
          await node.close();
          node.deps.logger.info({ signal }, "stopped");
          process.exit(0);
        } catch (error) {
          node.deps.logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        }
      };
      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(signal));
    });
}
