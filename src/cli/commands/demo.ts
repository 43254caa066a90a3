import { join, resolve } from "node:path";
import type { Command } from "commander";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("start an India node (7101) and a Canada node (7102), federated over loopback, on embedded storage")
    .option("--reset", "wipe the demo data first")
    .option("--root <dir>", "where the demo keeps its data", ".liaison/demo")
    .action(async (options: { reset?: boolean; root: string }) => {
      // Loaded here, not at the top: the whole node is about a second of start-up every other command would pay.
      const { DEMO_PARTIES, startDemo } = await import("../../node/demo.ts");
      const demo = await startDemo({ root: options.root, reset: options.reset ?? false });
      const { applyHeapGrowth, heapGrowthPercent } = await import("../../node/heap-growth.ts");
      // Both nodes share this process and its heap; their configurations agree on storage.
      applyHeapGrowth(heapGrowthPercent(demo.nodes.IN.deps.config));
      const lines = [
        "",
        "Liaison demo is running: two sovereign nodes, federated over loopback.",
        "Open each URL in a browser and sign in with a demo user below (e.g. in.ncb.officer, ca.rcmp.officer).",
        "",
      ];
      for (const p of DEMO_PARTIES) {
        const node = demo.nodes[p.party];
        lines.push(`  ${p.name.padEnd(7)} ${demo.urls[p.party]}`);
        lines.push(`          data:  ${resolve(options.root, p.dir)}`);
        lines.push(`          admin token (Authorization: Bearer ...): ${node.adminToken}`);
        lines.push(`          token file: ${join(resolve(options.root, p.dir), "admin.token")}`);
        lines.push(`          demo users (${join(resolve(options.root, p.dir), "demo-users.json")}):`);
        for (const user of demo.demoUsers[p.party]) {
          const who = `${user.role}${user.agency ? `, ${user.agency}` : ""}`;
          lines.push(`            ${user.username.padEnd(18)} ${user.password}  (${who})`);
          // Administrators and approvers sign in with a code too: add this key to an authenticator app.
          if (user.totpSecret) lines.push(`            ${"".padEnd(18)} second-factor key: ${user.totpSecret}`);
        }
      }
      lines.push(
        "",
        "Try it:",
        "  (notices pass the compliance gate: send them as a liaison officer, e.g. in.ncb.officer, with a legal basis)",
        `  curl -s -H "Authorization: Bearer $(cat ${options.root}/ca/admin.token)" ${demo.urls.CA}/api/v1/notices`,
        "",
        "Press Ctrl+C to stop; data is kept (use --reset to start over).",
      );
      console.log(lines.join("\n"));
      const stop = async () => {
        await demo.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
    });
}
