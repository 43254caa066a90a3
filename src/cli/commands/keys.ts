import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.ts";
import { initKeys, loadKeyRing, rotateKeys } from "../../modules/keys/keys.service.ts";
import { ApiClient, print } from "../api-client.ts";

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
      console.log(
        "restart the node, then have the peer re-pin it: `liaison peers add <url> --fingerprint <created kids>`",
      );
    });
  keys
    .command("show")
    .description("list the node's public keys")
    .option("-d, --data-dir <dir>", "data directory")
    .option("-c, --config <file>", "config file")
    .action(async (options) => {
      const ring = await loadKeyRing(dataDirOf(options));
      // `fingerprints`: what the peer's operator passes to `peers add --fingerprint`, every key of the descriptor.
      console.log(JSON.stringify({ keys: ring.publicJwks(), fingerprints: [...ring.byKid.keys()] }, null, 2));
    });
  keys
    .command("revoke <kid>")
    .description("revoke a retired key: it verifies nothing from now on, and every pinned peer is told")
    .option("--node <url>", "node base URL (default: from the config)")
    .option("--token <token>", "bearer token (default: <dataDir>/admin.token)")
    .option("-c, --config <file>", "config file")
    .option("--json", "print JSON")
    .action(async (kid: string, options) => {
      const result = await ApiClient.from(options).call<{ kid: string; revokedAt: string; notified: string[] }>(
        "POST",
        "/api/v1/keys/revocations",
        { kid },
      );
      if (options.json) print(result, true);
      else console.log(`revoked ${result.kid} at ${result.revokedAt}; told: ${result.notified.join(", ") || "-"}`);
    });
}
