import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import pino from "pino";
import type { NodeConfig } from "../config/config.schema.ts";
import { resolveConfig } from "../config/load-config.ts";
import { seedDemoThreads } from "../modules/exchange/exchange.demo.ts";
import type { DemoUser } from "../modules/identity/demo-users.ts";
import { seedDemoPrecursors } from "../modules/precursors/precursors.demo.ts";
import { createNode, type LiaisonNode } from "./node.ts";

/** The demo's two parties: fixed ports and directories, kept stable for acceptance checks. */
export const DEMO_PARTIES = [
  { party: "IN", name: "India", port: 7101, dir: "in" },
  { party: "CA", name: "Canada", port: 7102, dir: "ca" },
] as const;

export interface DemoOptions {
  root?: string;
  reset?: boolean;
  host?: string;
  /** Extra config applied to both nodes (tests use it for ports and databases). */
  overrides?: Partial<Record<"IN" | "CA", Record<string, unknown>>>;
  logLevel?: NodeConfig["logLevel"];
}

export interface Demo {
  nodes: Record<"IN" | "CA", LiaisonNode>;
  urls: Record<"IN" | "CA", string>;
  /** Each party's demo accounts with their passwords (also in <dataDir>/demo-users.json). */
  demoUsers: Record<"IN" | "CA", DemoUser[]>;
  close(): Promise<void>;
}

/**
 * Start an India node and a Canada node in this process, each with its own embedded database and keys, pin each
 * to the other and begin delivering. Data persists across restarts unless `reset` wipes it.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const root = resolve(options.root ?? ".liaison/demo");
  if (options.reset) rmSync(root, { recursive: true, force: true });
  const host = options.host ?? "127.0.0.1";
  const nodes = {} as Record<"IN" | "CA", LiaisonNode>;
  const urls = {} as Record<"IN" | "CA", string>;
  const logger = pino({ level: options.logLevel ?? "warn" });
  for (const p of DEMO_PARTIES) {
    const dataDir = join(root, p.dir);
    mkdirSync(dataDir, { recursive: true });
    const config = resolveConfig(
      {
        party: p.party,
        name: p.name,
        mode: "demo",
        listen: { host, port: p.port },
        baseUrl: `http://${host}:${p.port}`,
        dataDir,
        logLevel: options.logLevel ?? "warn",
        ...(options.overrides?.[p.party] ?? {}),
      },
      {},
    );
    nodes[p.party] = await createNode(config, { createKeys: true, logger: logger.child({ party: p.party }) });
  }
  // Pin each node to the other: in production an operator does this with `liaison peers add` after checking
  // the descriptor's key ids out of band.
  await nodes.IN.deps.federation.pinPeer(nodes.CA.deps.federation.descriptor(), { id: "demo" });
  await nodes.CA.deps.federation.pinPeer(nodes.IN.deps.federation.descriptor(), { id: "demo" });
  // Demo users after pinning, so each party's directory entries reach the other; publishing again repairs a
  // peer whose data was wiped while this one's was kept.
  const demoUsers = {} as Record<"IN" | "CA", DemoUser[]>;
  for (const p of DEMO_PARTIES) {
    const node = nodes[p.party];
    demoUsers[p.party] = await node.deps.identity.seedDemoUsers(node.deps.config.dataDir);
    await node.deps.directory.publishAll(`node:${p.party}`);
    // The same genesis plan on both nodes, from shared/domain/workplan-2026.json (idempotent).
    await node.deps.workplan.seed();
  }
  // A few exchange threads per lane, both ways (idempotent: skipped once a node has threads).
  await seedDemoThreads({ IN: nodes.IN.deps.exchange.service, CA: nodes.CA.deps.exchange.service }, (party, username) =>
    nodes[party].deps.identity.users.findByUsername(username),
  );
  // A few pre-export notifications and incidents, both ways (idempotent: skipped once a node has notifications).
  await seedDemoPrecursors({ IN: nodes.IN.deps.precursors, CA: nodes.CA.deps.precursors }, (party, username) =>
    nodes[party].deps.identity.users.findByUsername(username),
  );
  for (const p of DEMO_PARTIES) urls[p.party] = await nodes[p.party].listen();
  return {
    nodes,
    urls,
    demoUsers,
    async close() {
      await Promise.all(Object.values(nodes).map((n) => n.close()));
    },
  };
}
