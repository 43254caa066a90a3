import { readFileSync } from "node:fs";
import { z } from "zod";
import { LiaisonError } from "../core/errors.ts";
import { NodeConfig } from "./config.schema.ts";

/**
 * Environment variables that override the file. Each maps to one config path; values are parsed as JSON when
 * they look like JSON (numbers, booleans, objects) so `LIAISON_LISTEN_PORT=7101` becomes a number.
 */
const ENV_PATHS: Record<string, string[]> = {
  LIAISON_PARTY: ["party"],
  LIAISON_NAME: ["name"],
  LIAISON_MODE: ["mode"],
  LIAISON_LISTEN_HOST: ["listen", "host"],
  LIAISON_LISTEN_PORT: ["listen", "port"],
  LIAISON_BASE_URL: ["baseUrl"],
  LIAISON_DATA_DIR: ["dataDir"],
  LIAISON_DATABASE_URL: ["databaseUrl"],
  LIAISON_DATABASE_SCHEMA: ["databaseSchema"],
  LIAISON_EMBEDDED_SHARED_BUFFERS_MB: ["embeddedSharedBuffersMb"],
  LIAISON_EMBEDDED_VACUUM_SECONDS: ["embeddedVacuumSeconds"],
  LIAISON_HEAP_GROWTH_PERCENT: ["heapGrowthPercent"],
  LIAISON_TLS_CERT_FILE: ["tls", "certFile"],
  LIAISON_TLS_KEY_FILE: ["tls", "keyFile"],
  LIAISON_TLS_CA_FILE: ["tls", "caFile"],
  LIAISON_CLIENT_TLS_CERT_FILE: ["clientTls", "certFile"],
  LIAISON_CLIENT_TLS_KEY_FILE: ["clientTls", "keyFile"],
  LIAISON_CLIENT_TLS_CA_FILE: ["clientTls", "caFile"],
  LIAISON_LOG_LEVEL: ["logLevel"],
  LIAISON_DELIVERY_WORKER: ["deliveryWorker"],
  LIAISON_FEDERATION: ["federation"],
  LIAISON_DOMAIN_DIR: ["domainDir"],
  LIAISON_POLICY_DIR: ["policyDir"],
  LIAISON_OPERATIONS_LISTEN_HOST: ["operations", "listen", "host"],
  LIAISON_OPERATIONS_LISTEN_PORT: ["operations", "listen", "port"],
  LIAISON_METRICS_TOKEN_FILE: ["operations", "metricsTokenFile"],
  LIAISON_TRUSTED_PROXIES: ["trustedProxies"],
};

function parseEnvValue(raw: string): unknown {
  if (/^(-?\d+(\.\d+)?|true|false|\{.*\}|\[.*\])$/s.test(raw.trim())) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cursor = target;
  for (const key of path.slice(0, -1)) {
    const next = cursor[key];
    if (typeof next !== "object" || next === null) cursor[key] = {};
    cursor = cursor[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  const existing = cursor[last];
  // An object-valued variable (LIAISON_FEDERATION) merges into the file's object instead of replacing it.
  cursor[last] =
    typeof value === "object" && value !== null && typeof existing === "object" && existing !== null
      ? { ...existing, ...value }
      : value;
}

/** Merge a config object (from a file or code) with LIAISON_* variables and validate it once. */
export function resolveConfig(base: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const merged: Record<string, unknown> = structuredClone(base);
  for (const [name, path] of Object.entries(ENV_PATHS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== "") setPath(merged, path, parseEnvValue(raw));
  }
  const parsed = NodeConfig.safeParse(merged);
  if (!parsed.success) {
    throw new LiaisonError("LIAISON_CONFIG_INVALID", 500, `invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Read the config file (JSON), if any, then apply the environment. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  let base: Record<string, unknown> = {};
  if (file) {
    try {
      base = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new LiaisonError(
        "LIAISON_CONFIG_UNREADABLE",
        500,
        `cannot read config file ${file}: ${(error as Error).message}`,
      );
    }
  }
  return resolveConfig(base, env);
}

export { ENV_PATHS };
