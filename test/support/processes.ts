import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Dispatcher, request } from "undici";
import { freePort, randomSchema, TEST_DATABASE_URL, tempDir } from "./nodes.ts";
import { seedEmbeddedDatabase } from "./pglite-template.ts";

const REPO = resolve(import.meta.dirname, "../..");
/** The metrics token of every node process a test or benchmark starts. */
export const METRICS_TOKEN = "metrics-token-of-test-processes-0123456789";

export interface NodeProcessOptions {
  party: string;
  name?: string;
  dataDir?: string;
  /** Extra config merged over the defaults (federation settings are merged one level deep). */
  config?: Record<string, unknown>;
  scheme?: "http" | "https";
  /** For https nodes: how the test itself reaches the node (client certificate, CA). */
  dispatcher?: Dispatcher;
  /** PostgreSQL URL, or null for PGlite; by default LIAISON_TEST_DATABASE_URL decides. */
  databaseUrl?: string | null;
  /** Extra node flags, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/x"]. */
  nodeFlags?: string[];
  /** Run the sources through tsx (default, what tests check) or the compiled dist/ (`npm run build`), as production does. */
  entry?: "source" | "build";
}

/**
 * A Liaison node as a real operating-system process (`liaison serve -c <file>`), so tests can SIGKILL it at any
 * moment and start it again on the same data directory (or PostgreSQL schema) and port.
 */
export class NodeProcess {
  readonly party: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly logFile: string;
  port = 0;
  url = "";
  child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(private readonly options: NodeProcessOptions) {
    this.party = options.party;
    this.dataDir = options.dataDir ?? tempDir(`liaison-proc-${options.party.toLowerCase()}-`);
    this.configFile = join(this.dataDir, "config.json");
    this.logFile = join(this.dataDir, "node.log");
  }

  static async create(options: NodeProcessOptions): Promise<NodeProcess> {
    const node = new NodeProcess(options);
    node.port = await freePort();
    node.url = `${options.scheme ?? "http"}://127.0.0.1:${node.port}`;
    const { federation, ...rest } = options.config ?? {};
    const databaseUrl = options.databaseUrl === undefined ? TEST_DATABASE_URL : options.databaseUrl;
    const config = {
      party: options.party,
      name: options.name ?? `Process ${options.party}`,
      mode: "test",
      listen: { host: "127.0.0.1", port: node.port },
      baseUrl: node.url,
      dataDir: node.dataDir,
      logLevel: "warn",
      // Benchmarks scrape /metrics on the main listener with this token (closed there without one).
      operations: { metricsToken: METRICS_TOKEN },
      ...(databaseUrl ? { databaseUrl, databaseSchema: randomSchema("p") } : {}),
      federation: {
        retryBaseSeconds: 0.05,
        retryMaxSeconds: 1,
        pollIntervalMs: 50,
        leaseSeconds: 5,
        ...(federation ?? {}),
      },
      ...rest,
    };
    writeFileSync(node.configFile, JSON.stringify(config, null, 2));
    if (!config.databaseUrl) seedEmbeddedDatabase(node.dataDir);
    return node;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  // Generous: on a loaded shared machine a tsx start-up with migrations can take most of a minute.
  async start(timeoutMs = 150_000): Promise<void> {
    if (this.running) throw new Error(`${this.party} is already running`);
    // The child must not inherit the test's LIAISON_* overrides: its config file is the whole truth.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LIAISON_")));
    const log = openSync(this.logFile, "a");
    const entry = this.options.entry === "build" ? ["dist/cli/main.js"] : ["--import", "tsx", "src/cli/main.ts"];
    const child = spawn(
      process.execPath,
      [...(this.options.nodeFlags ?? []), ...entry, "serve", "-c", this.configFile, "--create-keys"],
      { cwd: REPO, env, stdio: ["ignore", log, log] },
    );
    closeSync(log);
    this.child = child;
    this.exited = new Promise((done) => child.once("exit", () => done()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.party} exited during start-up:\n${this.logTail()}`);
      try {
        const response = await request(`${this.url}/readyz`, {
          ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
          headersTimeout: 2000,
        });
        await response.body.text();
        if (response.statusCode === 200) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.party} not ready within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed but what the database already made durable. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.running) return;
    this.child?.kill(signal);
    await this.exited;
  }

  async stop(): Promise<void> {
    await this.kill("SIGTERM");
  }

  async restart(): Promise<void> {
    await this.kill("SIGKILL");
    await this.start();
  }

  token(): string {
    return readFileSync(join(this.dataDir, "admin.token"), "utf8").trim();
  }

  async api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T }> {
    const response = await request(`${this.url}${path}`, {
      method: method as "GET",
      headers: {
        authorization: `Bearer ${token ?? this.token()}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : null,
      ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Peak resident set size (VmHWM) of the running process, in bytes. */
  peakRssBytes(): number {
    if (!this.pid) return 0;
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  }

  logTail(lines = 30): string {
    if (!existsSync(this.logFile)) return "(no log)";
    return readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n");
  }

  config(): Record<string, unknown> {
    return JSON.parse(readFileSync(this.configFile, "utf8"));
  }

  /** Change the config file for the next start (top-level keys; `federation` merged one level deep). */
  updateConfig(patch: Record<string, unknown>): void {
    const current = this.config();
    const { federation, ...rest } = patch;
    const next = {
      ...current,
      ...rest,
      federation: { ...(current.federation as object), ...((federation as object | undefined) ?? {}) },
    };
    writeFileSync(this.configFile, JSON.stringify(next, null, 2));
  }
}

/** Pin each node's descriptor on the other, fetched over the network with the fingerprints, as an operator would. */
export async function pinEachOther(a: NodeProcess, b: NodeProcess): Promise<void> {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    // The kids the other operator would read out with `liaison keys show`, here from its own descriptor.
    const served = await to.api<{ keys: { keys: { kid: string }[] } }>("GET", "/federation/v1/descriptor");
    const fingerprints = served.body.keys.keys.map((k) => k.kid);
    const pinned = await from.api("POST", "/api/v1/federation/peers", { url: to.url, fingerprints });
    if (pinned.status !== 201) throw new Error(`pinning ${to.party} on ${from.party}: ${JSON.stringify(pinned.body)}`);
  }
}
