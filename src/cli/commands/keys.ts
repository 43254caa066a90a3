import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.ts";
import { initKeys, loadKeyRing, rotateKeys } from "../../modules/keys/keys.service.ts";

function dataDirOf(options: { dataDir?: string; config?: string }): string {
  return options.dataDir ?? process.env.LIAISON_DATA_DIR ?? loadConfig(options.config).dataDir;
}

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("the node's signing and encryption keys");
  keys
    .command("init")
    .description("create the Ed25519 signing key and X25519 encryption key if missing")
    .option("-d, --data-dir <dir>", "data directory")
    .option("-c, --config <file>", "config file")
    .action(async (options) => {
      const result = await initKeys(dataDirOf(options));
      console.log(result.created ? "keys created" : "keys already present");
      console.log(`signing kid:    ${result.signingKid}\nencryption kid: ${result.encryptionKid}`);
    });
  keys
    .command("rotate")
    .description("retire the current keys and create new ones (retired keys still verify and decrypt)")
    .option("-d, --data-dir <dir>", "data directory")
    .option("-c, --config <file>", "config file")
    .option("--use <use>", "sig, enc or both", "both")
    .action(async (options) => {
      const uses = options.use === "both" ? (["sig", "enc"] as const) : ([options.use] as ("sig" | "enc")[]);
      const result = await rotateKeys(dataDirOf(options), [...uses]);
      console.log(`retired: ${result.retired.join(", ") || "-"}\ncreated: ${result.created.join(", ")}`);
      console.log("restart the node, then have the peer re-import the descriptor (`liaison peers add <url>`)");
    });
  keys
    .command("show")
    .description("list the node's public keys")
    .option("-d, --data-dir <dir>", "data directory")
    .option("-c, --config <file>", "config file")
    .action(async (options) => {
      const ring = await loadKeyRing(dataDirOf(options));
      console.log(JSON.stringify({ keys: ring.publicJwks() }, null, 2));
    });
}
