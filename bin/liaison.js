#!/usr/bin/env node
// The `liaison` command. Runs the compiled CLI (`npm run build` writes dist/) when it is at least as new as every
// source file, so production nodes start fast and lean; otherwise runs the TypeScript sources through tsx, so a
// checkout works without a build step and never runs stale code.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist/cli/main.js");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const useBuild = existsSync(built) && statSync(built).mtimeMs >= newestSource(join(root, "src"));
const entry = useBuild ? [built] : ["--import", "tsx", join(root, "src/cli/main.ts")];
const child = spawn(process.execPath, [...entry, ...process.argv.slice(2)], { stdio: "inherit" });

// A supervisor (systemd, a container runtime) signals this process, not the node inside it: pass the stop on, so
// the node shuts down gracefully, and stay until it has gone, so nothing is left running behind a dead wrapper.
const FORWARDED = ["SIGTERM", "SIGINT", "SIGHUP"];
for (const signal of FORWARDED) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}

child.on("error", (error) => {
  process.stderr.write(`liaison: cannot start node: ${error.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so whoever waits on `liaison` sees what happened to the node.
    for (const s of FORWARDED) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
