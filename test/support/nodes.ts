import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { resolveConfig } from "../../src/config/load-config.ts";
import type { Clock } from "../../src/core/clock.ts";
import { createNode, type LiaisonNode, type NodeOptions } from "../../src/node/node.ts";
import { type OpenApiDocument, ResponseContract } from "./contract.ts";
import { seedEmbeddedDatabase } from "./pglite-template.ts";
import { randomSchema } from "./schemas.ts";

/** Set LIAISON_TEST_DATABASE_URL to run every test node on PostgreSQL, each in a schema of its own. */
export const TEST_DATABASE_URL = process.env.LIAISON_TEST_DATABASE_URL || undefined;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export function tempDir(prefix = "liaison-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export { randomSchema } from "./schemas.ts";

export interface TestNode extends LiaisonNode {
  url: string;
  dataDir: string;
  /** Inject an authenticated request as the node's administrator. */
  api<T = unknown>(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
}

export interface TestNodeOptions {
  party: string;
  name?: string;
  clock?: Clock;
  config?: Record<string, unknown>;
  dataDir?: string;
  schema?: string;
  listen?: boolean;
  /** The node's logger (default: silent). */
  logger?: pino.Logger;
  /** Modules assembled after the built-in ones (NodeOptions.modules). */
  modules?: NodeOptions["modules"];
}

/** A real node on a free loopback port with its own data directory (and schema, on PostgreSQL). */
export async function startTestNode(options: TestNodeOptions): Promise<TestNode> {
  const port = await freePort();
  const dataDir = options.dataDir ?? tempDir();
  const databaseUrl = options.config?.databaseUrl ?? TEST_DATABASE_URL;
  if (!databaseUrl) seedEmbeddedDatabase(dataDir);
  const config = resolveConfig(
    {
      party: options.party,
      name: options.name ?? `Test ${options.party}`,
      mode: "test",
      listen: { host: "127.0.0.1", port },
      baseUrl: `http://127.0.0.1:${port}`,
      dataDir,
      logLevel: "silent",
      ...(TEST_DATABASE_URL
        ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: options.schema ?? randomSchema() }
        : {}),
      ...options.config,
      // scrypt at 2^13 (8 MiB): the suite hashes hundreds of passwords on two cores; production stays at 2^17.
      // Only a test-mode node may (config.schema.ts); one started as demo or production keeps 2^17.
      identity: {
        ...((options.config?.mode ?? "test") === "test" ? { passwordHashCost: 13 } : {}),
        ...((options.config?.identity as object | undefined) ?? {}),
      },
      federation: {
        retryBaseSeconds: 0.05,
        retryMaxSeconds: 1,
        pollIntervalMs: 50,
        ...(options.config?.federation ?? {}),
      },
    },
    {},
  );
  const node = await createNode(config, {
    createKeys: true,
    logger: options.logger ?? pino({ level: "silent" }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.modules ? { modules: options.modules } : {}),
  });
  const url = options.listen === false ? config.baseUrl : await node.listen();
  let contract: ResponseContract | undefined;
  return Object.assign(node, {
    url,
    dataDir,
    async api<T>(method: string, path: string, body?: unknown, token?: string) {
      const response = await node.app.inject({
        method: method as "GET",
        url: path,
        headers: { authorization: `Bearer ${token ?? node.adminToken}` },
        ...(body !== undefined ? { payload: body as object } : {}),
      });
      const parsed = response.body ? response.json() : undefined;
      // Every answer is checked against the OpenAPI document by a validator that is not the route's serializer.
      contract ??= new ResponseContract(node.app.swagger() as unknown as OpenApiDocument);
      contract.check(method, path, response.statusCode, response.headers["content-type"] as string | undefined, parsed);
      return { status: response.statusCode, body: parsed as T };
    },
  });
}

/** Two nodes (India and Canada by default) pinned to each other and delivering. */
export async function startTwoNodes(options: { clock?: Clock; config?: Record<string, unknown> } = {}) {
  const common = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.config ? { config: options.config } : {}),
  };
  const india = await startTestNode({ party: "IN", ...common });
  const canada = await startTestNode({ party: "CA", ...common });
  await india.deps.federation.pinPeer(canada.deps.federation.descriptor(), { id: "test" });
  await canada.deps.federation.pinPeer(india.deps.federation.descriptor(), { id: "test" });
  return {
    india,
    canada,
    async close() {
      await Promise.all([india.close(), canada.close()]);
      for (const n of [india, canada]) rmSync(n.dataDir, { recursive: true, force: true });
    },
  };
}

/** Poll until `check` returns a truthy value or time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
}
