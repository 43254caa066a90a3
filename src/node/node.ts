import { readFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
import type { FastifyRequest } from "fastify";
import pino, { type Logger } from "pino";
import type { NodeConfig } from "../config/config.schema.ts";
import { domainDir as defaultDomainDir } from "../config/domain-dir.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { Metrics } from "../core/metrics.ts";
import type { ModuleTask } from "../core/module.ts";
import { RecurringTask } from "../core/recurring-task.ts";
import { ChangeRunner } from "../db/changes.ts";
import { ChurnVacuum, serverAutovacuumOff } from "../db/churn-vacuum.ts";
import { type DatabaseHandle, openDatabase } from "../db/database.ts";
import { migrateToLatest, type SqlMigrations } from "../db/migrate.ts";
import { type App, buildApp } from "../http/app.ts";
import { installAuthorizer } from "../http/guards.ts";
import { metricsTokenOf, opsRoutes } from "../http/ops.routes.ts";
import { staticRoutes } from "../http/static.ts";
import { createApprovalsModule } from "../modules/approvals/approvals.module.ts";
import type { ApprovalsService } from "../modules/approvals/approvals.service.ts";
import { createAuditModule } from "../modules/audit/audit.module.ts";
import { appendAuditEvents } from "../modules/audit/audit.repository.ts";
import type { AuditOptions, AuditService } from "../modules/audit/audit.service.ts";
import type { CountersignatureWatch } from "../modules/audit/countersign-watch.ts";
import type { WitnessService } from "../modules/audit/witness.service.ts";
import { createComplianceModule } from "../modules/compliance/compliance.module.ts";
import { ComplianceService } from "../modules/compliance/compliance.service.ts";
import { loadDomainData } from "../modules/compliance/domain-data.ts";
import { createCyberModule } from "../modules/cyber/cyber.module.ts";
import { loadDomainDirectory } from "../modules/directory/directory.domain.ts";
import { createDirectoryModule } from "../modules/directory/directory.module.ts";
import type { DirectoryService } from "../modules/directory/directory.service.ts";
import { createExchangeModule, type ExchangeModule } from "../modules/exchange/exchange.module.ts";
import type { DeliveryWorker } from "../modules/federation/delivery.worker.ts";
import type { EnvelopeHandlers } from "../modules/federation/envelope-handlers.ts";
import type { FederationClient } from "../modules/federation/federation.client.ts";
import { createFederationModule } from "../modules/federation/federation.module.ts";
import type { FederationService } from "../modules/federation/federation.service.ts";
import type { InboxService } from "../modules/federation/inbox.service.ts";
import { insertOutbox } from "../modules/federation/outbox.repository.ts";
import type { PeerDirectory } from "../modules/federation/peers.service.ts";
import { type Authenticator, authenticateWith } from "../modules/identity/authenticators.ts";
import { createIdentityModule, type IdentityModule } from "../modules/identity/identity.module.ts";
import type { IdentityService } from "../modules/identity/identity.service.ts";
import { createKeysModule } from "../modules/keys/keys.module.ts";
import { initKeys, type KeyRing, loadKeyRing } from "../modules/keys/keys.service.ts";
import { createMatchingModule } from "../modules/matching/matching.module.ts";
import type { NodeModule } from "../modules/module.ts";
import { createNoticesModule } from "../modules/notices/notices.module.ts";
import type { NoticesService } from "../modules/notices/notices.service.ts";
import { AccessControl } from "../modules/policy/access.ts";
import { PolicyService } from "../modules/policy/policy.service.ts";
import { createPrecursorsModule, type PrecursorsModule } from "../modules/precursors/precursors.module.ts";
import { exchangeIndicators } from "../modules/workplan/workplan.indicators.ts";
import { createWorkplanModule } from "../modules/workplan/workplan.module.ts";
import type { WorkplanService } from "../modules/workplan/workplan.service.ts";
import { collectMigrations, OpenedResources } from "./assemble.ts";
import { secureDataDir } from "./data-dir-modes.ts";
import { createMetrics } from "./metrics.ts";
import { OperationsListener } from "./operations.ts";

// PGlite's new files (0644 or 0666) are set to 0600 this often; the data directory itself is 0700 meanwhile.
const DATA_DIR_MODES_INTERVAL_MS = 60 * 1000;

/** What a module added by `NodeOptions.modules` may use (a new lane, or a test's module). */
export type ModuleContext = Pick<
  NodeDeps,
  | "config"
  | "clock"
  | "logger"
  | "database"
  | "keys"
  | "metrics"
  | "changes"
  | "peers"
  | "federation"
  | "access"
  | "compliance"
>;

export interface NodeOptions {
  clock?: Clock;
  logger?: Logger;
  /** Create keys when missing (the demo and tests); production nodes need `liaison keys init` first. */
  createKeys?: boolean;
  /** Folder of the Cedar schema, access policies and party packs (default: config.policyDir, else policies/). */
  policyDir?: string;
  /** When tree heads are signed and sent to the witness (default: every minute or 10,000 leaves). */
  audit?: Partial<AuditOptions>;
  /** Modules assembled after the built-in ones, in order (their routes before the web app's fallback). */
  modules?: (context: ModuleContext) => NodeModule[];
}

/** Everything a running node is made of, passed explicitly to each module. */
export interface NodeDeps {
  config: NodeConfig;
  clock: Clock;
  logger: Logger;
  database: DatabaseHandle;
  keys: KeyRing;
  metrics: Metrics;
  changes: ChangeRunner;
  peers: PeerDirectory;
  handlers: EnvelopeHandlers;
  client: FederationClient;
  federation: FederationService;
  inbox: InboxService;
  identity: IdentityService;
  directory: DirectoryService;
  notices: NoticesService;
  /** The one decision point: every API action is authorized here (Cedar, default deny). */
  policy: PolicyService;
  /** The one authorization path every service and route asks (Cedar decides; refusals are audited). */
  access: AccessControl;
  compliance: ComplianceService;
  approvals: ApprovalsService;
  exchange: ExchangeModule;
  precursors: PrecursorsModule;
  workplan: WorkplanService;
  worker: DeliveryWorker;
  audit: AuditService;
  witness: WitnessService;
  /** Alerts when the peer stops countersigning this node's heads. */
  countersignWatch: CountersignatureWatch;
  /** Every module, in the order they were assembled (started, and closed in reverse). */
  modules: readonly NodeModule[];
  /** The migrations of all modules, as applied at start-up. */
  migrations: SqlMigrations;
}

export interface LiaisonNode {
  deps: NodeDeps;
  app: App;
  adminToken: string;
  /** Listen on the configured address; returns the bound URL. */
  listen(): Promise<string>;
  /** The operations listener's URL once listening, when `operations.listen` is configured. */
  operationsUrl?: string | undefined;
  close(): Promise<void>;
}

export async function createNode(config: NodeConfig, options: NodeOptions = {}): Promise<LiaisonNode> {
  const clock = options.clock ?? systemClock;
  // Domain facts first: a node that cannot read them fails before it opens anything. The folders are resolved
  // here, once, and passed to the modules that read them (no module reads the environment).
  const domainDir = config.domainDir ?? defaultDomainDir();
  const domain = loadDomainDirectory(domainDir);
  const legalDomain = loadDomainData(domainDir);
  // Policies are validated against the schema before anything opens: an invalid policy stops the node
  // (LIAISON_POLICY_INVALID naming the file and the policy).
  const policyDir = options.policyDir ?? config.policyDir;
  const policy = new PolicyService(policyDir ? { policyDir } : {});
  const compliance = new ComplianceService({
    policyDir: policy.policyDir,
    schema: policy.schema,
    domain: legalDomain,
    party: config.party,
    clock,
  });
  // Read before anything opens: a short or unreadable metrics token stops the node here.
  const metricsToken = metricsTokenOf(config.operations, (file) => readFileSync(file, "utf8"));
  const logger = options.logger ?? pino({ level: config.logLevel, base: { party: config.party } });
  // What this process creates is its owner's alone (PGlite sets some modes itself: see data-dir-modes.ts).
  if (isMainThread) process.umask(0o077); // worker threads may not set it
  const loose = secureDataDir(config.dataDir);
  if (loose.length > 0) {
    logger.warn(
      { count: loose.length, first: loose.slice(0, 5).map((f) => `${f.path} (${f.from.toString(8)})`) },
      "the data directory had files or directories others could read or change: set to 0600 / 0700",
    );
  }
  if (options.createKeys) await initKeys(config.dataDir);
  const keys = await loadKeyRing(config.dataDir);

  // From here on every resource is pushed as it opens; a failing step closes all of them (assemble.ts).
  const opened = new OpenedResources(logger);
  const database = await openDatabase({
    url: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
    embeddedSharedBuffersMb: config.embeddedSharedBuffersMb,
  });
  opened.push("the database", async () => {
    await database.close();
    try {
      secureDataDir(config.dataDir); // what PGlite wrote last
    } catch (error) {
      logger.error({ err: error }, "keeping the data directory's modes failed");
    }
  });
  // A new embedded database is created with most files 0666; PGlite's later files are fixed periodically below.
  secureDataDir(config.dataDir);
  try {
    return await assembleNode();
  } catch (error) {
    await opened.closeAll().catch(() => undefined); // each failure is logged; the step's error is the one to report
    throw error;
  }

  async function assembleNode(): Promise<LiaisonNode> {
    const { db } = database;
    const party = config.party;
    const metrics = createMetrics(party);
    // The runner is told of commits by the two modules that act on them; both are built below, before any change.
    let federationModule: ReturnType<typeof createFederationModule> | undefined;
    let auditModule: ReturnType<typeof createAuditModule> | undefined;
    const changes = new ChangeRunner(db, clock, {
      appendAudit: (tx, at, events) => appendAuditEvents(tx, party, at, events),
      appendOutbox: (tx, _at, envelopes) => insertOutbox(tx, envelopes),
      onOutboxCommitted: () => federationModule?.worker.wake(),
      onAuditQueued: () => auditModule?.sequencer.schedule(),
    });
    const access = new AccessControl({
      decisions: policy,
      // A refusal changes nothing but is on the record, in a change of its own, before the caller hears of it.
      recordDenial: (denial) =>
        changes.run(async (change) => {
          change.audit({
            actor: denial.principal.id,
            action: denial.action,
            subject: denial.resource.id,
            outcome: "denied",
            reasons: denial.decision.reasons,
            requestId: denial.requestId,
            details: { resource: denial.resource.type, code: denial.code },
          });
        }),
    });

    // Construction touches no table (the database is not migrated yet): each module's start does that below.
    const fed = createFederationModule({ config, db, clock, keys, changes, metrics, logger });
    federationModule = fed;
    const { peers, federation } = fed;
    const directory = createDirectoryModule({ db, clock, party, domain, changes, federation, peers });
    let identity: IdentityModule | undefined;
    // Before identity, which queues role grants there; approvals asks identity who changed which account.
    const approvals = createApprovalsModule({
      db,
      party,
      changes,
      policy: access,
      domain: legalDomain,
      compliance,
      accountChangers: (ids) => (identity as IdentityModule).identity.users.changersOf(ids),
    });
    identity = createIdentityModule({
      config,
      db,
      clock,
      logger,
      changes,
      directory: directory.directory,
      approvals: approvals.approvals,
    });
    const notices = createNoticesModule({ db, clock, party, changes, federation, compliance });
    let exchange: ExchangeModule | undefined;
    const workplan = createWorkplanModule({
      db,
      clock,
      party,
      changes,
      federation,
      authorizer: access,
      indicators: exchangeIndicators(() => (exchange as ExchangeModule).stats()),
      logger,
      domainDir,
    });
    exchange = createExchangeModule({
      db,
      clock,
      party,
      changes,
      federation,
      compliance,
      approvals: approvals.approvals,
      policy: access,
      agencies: domain.agencies,
      dataDir: config.dataDir,
      domainDir,
      logger,
      maxEnvelopeBytes: config.federation.maxEnvelopeBytes,
      // Triage checks an assignee's agency; the exchange does not read identity's tables itself.
      userAgency: identity.userAgency,
    });
    const precursors = createPrecursorsModule({
      db,
      clock,
      party,
      changes,
      federation,
      compliance,
      policy: access,
      domainDir,
      logger,
    });
    const users = identity;
    const cyber = createCyberModule({
      db,
      clock,
      party,
      changes,
      access,
      agencies: [...domain.agencies.values()],
      nodeName: config.name,
      baseUrl: config.baseUrl,
      taxiiAuth: {
        password: (username, password, client) => users.identity.auth.principalForPassword(username, password, client),
        // A token given as the Basic password is checked exactly as the same token sent as a bearer token.
        bearer: (token) =>
          authenticateWith(users.identity.authenticators(), {
            headers: { authorization: `Bearer ${token}` },
            cookies: {},
            method: "GET",
          } as unknown as FastifyRequest),
        userAgency: users.userAgency,
      },
    });
    const matching = createMatchingModule({ db, clock, party, changes, policy: access });
    auditModule = createAuditModule({
      config,
      db,
      clock,
      keys,
      logger,
      metrics,
      changes,
      peers,
      federation,
      options: options.audit,
    });
    const modules: NodeModule[] = [
      fed,
      createKeysModule({ dataDir: config.dataDir, clock, keys, peers, federation, changes }),
      notices,
      identity,
      directory,
      workplan,
      createComplianceModule({ compliance, changes, party }),
      approvals,
      exchange,
      precursors,
      cyber,
      matching,
      auditModule,
      ...(options.modules?.({
        config,
        clock,
        logger,
        database,
        keys,
        metrics,
        changes,
        peers,
        federation,
        access,
        compliance,
      }) ?? []),
    ];

    const migrations = collectMigrations(modules);
    await migrateToLatest(db, migrations, config.databaseSchema);
    for (const module of modules) {
      for (const handler of module.envelopeHandlers ?? []) fed.handlers.register(handler);
    }
    for (const module of modules) {
      await module.start?.();
      if (module.close) opened.push(`the ${module.name} module`, module.close);
    }

    for (const peer of config.peers) {
      await federation.pinPeer(JSON.parse(readFileSync(peer.descriptorFile, "utf8")), { id: `node:${party}` });
    }
    const adminToken = await identity.identity.ensureAdminToken(config.dataDir);

    const deps: NodeDeps = {
      config,
      clock,
      logger,
      database,
      keys,
      metrics,
      changes,
      peers,
      handlers: fed.handlers,
      client: fed.client,
      federation,
      inbox: fed.inbox,
      identity: identity.identity,
      directory: directory.directory,
      notices: notices.notices,
      policy,
      access,
      compliance,
      approvals: approvals.approvals,
      exchange,
      precursors,
      workplan: workplan.workplan,
      worker: fed.worker,
      audit: auditModule.audit,
      witness: auditModule.witness,
      countersignWatch: auditModule.countersignWatch,
      modules,
      migrations,
    };

    const tls = config.tls;
    // Tried in order: API tokens, login sessions as bearer tokens, the session cookie. OIDC (roadmap step 5) is
    // one more Authenticator appended here; nothing else in the node changes.
    const authenticators: Authenticator[] = identity.identity.authenticators();
    const app = await buildApp({
      logger,
      trustedProxies: config.trustedProxies,
      bodyLimit: config.federation.maxBodyBytes,
      authenticate: (request) => authenticateWith(authenticators, request),
      https: tls
        ? {
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
            ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
          }
        : undefined,
      routes: [
        installAuthorizer(access),
        opsRoutes({ db, migrations, metrics, metricsAccess: metricsToken ? { token: metricsToken } : "closed" }),
        ...modules.flatMap((module) => module.routes ?? []),
        // The web app last: its fallback answers every GET no module claimed.
        staticRoutes(),
      ],
    });
    opened.push("the HTTP listener", () => app.close());
    const operations = new OperationsListener({ config: config.operations, db, migrations, metrics, logger });
    opened.push("the operations listener", () => operations.close());

    // PGlite has no autovacuum; a PostgreSQL server may have had its own turned off.
    const autovacuumOff = database.kind === "postgres" && (await serverAutovacuumOff(db));
    if (autovacuumOff) {
      logger.warn(
        "the PostgreSQL server's autovacuum is off: this node vacuums its churning tables itself; turn it on",
      );
    }
    const churnVacuum =
      database.kind === "pglite" || autovacuumOff
        ? new ChurnVacuum({ db, logger, intervalMs: config.embeddedVacuumSeconds * 1000 })
        : undefined;
    const dataDirModes = new RecurringTask(
      async () => secureDataDir(config.dataDir),
      (error) => logger.error({ err: error }, "keeping the data directory's modes failed"),
    );
    const tasks: ModuleTask[] = [
      ...modules.flatMap((module) => module.tasks ?? []),
      {
        name: "data directory modes",
        start: () => dataDirModes.start(DATA_DIR_MODES_INTERVAL_MS),
        stop: () => dataDirModes.stop(),
      },
      ...(churnVacuum
        ? [{ name: "churn vacuum", start: () => churnVacuum.start(), stop: () => churnVacuum.stop() }]
        : []),
    ];
    // Stopped first on close, before any module closes (the inbox's last summary needs the audit sequencer).
    for (const task of tasks) opened.push(task.name, task.stop);

    let closed = false;
    const node: LiaisonNode = {
      deps,
      app,
      adminToken,
      async listen() {
        try {
          const address = await app.listen({ host: config.listen.host, port: config.listen.port });
          node.operationsUrl = await operations.listen();
          for (const task of tasks) if (!task.background || config.deliveryWorker) task.start();
          return address;
        } catch (error) {
          // Nothing keeps running from a node that could not listen: its listeners, tasks and database close.
          await node.close().catch(() => undefined);
          throw error;
        }
      },
      async close() {
        if (closed) return;
        closed = true;
        await opened.closeAll();
      },
    };
    return node;
  }
}
