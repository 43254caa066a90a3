import { readFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
import pino, { type Logger } from "pino";
import type { NodeConfig } from "../config/config.schema.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { Metrics } from "../core/metrics.ts";
import { RecurringTask } from "../core/recurring-task.ts";
import { ChangeRunner } from "../db/changes.ts";
import { ChurnVacuum, serverAutovacuumOff } from "../db/churn-vacuum.ts";
import { type DatabaseHandle, openDatabase } from "../db/database.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { type App, buildApp } from "../http/app.ts";
import { installAuthorizer } from "../http/guards.ts";
import { metricsTokenOf, opsRoutes } from "../http/ops.routes.ts";
import { staticRoutes } from "../http/static.ts";
import { approvalsRoutes } from "../modules/approvals/approvals.routes.ts";
import { ApprovalsService } from "../modules/approvals/approvals.service.ts";
import { appendAuditEvents } from "../modules/audit/audit.repository.ts";
import { auditRoutes } from "../modules/audit/audit.routes.ts";
import { AuditSequencer } from "../modules/audit/audit.sequencer.ts";
import { type AuditOptions, AuditService } from "../modules/audit/audit.service.ts";
import { CountersignatureWatch } from "../modules/audit/countersign-watch.ts";
import { WitnessService } from "../modules/audit/witness.service.ts";
import { complianceRoutes } from "../modules/compliance/compliance.routes.ts";
import { ComplianceService } from "../modules/compliance/compliance.service.ts";
import { loadDomainData } from "../modules/compliance/domain-data.ts";
import { defaultDomainDir, loadDomainDirectory } from "../modules/directory/directory.domain.ts";
import { directoryRoutes } from "../modules/directory/directory.routes.ts";
import { DirectoryService } from "../modules/directory/directory.service.ts";
import { createExchangeModule, type ExchangeModule } from "../modules/exchange/exchange.module.ts";
import { DeliveryWorker } from "../modules/federation/delivery.worker.ts";
import { EnvelopeHandlers } from "../modules/federation/envelope-handlers.ts";
import { FederationClient } from "../modules/federation/federation.client.ts";
import { federationRoutes } from "../modules/federation/federation.routes.ts";
import { FederationService } from "../modules/federation/federation.service.ts";
import { InboxService } from "../modules/federation/inbox.service.ts";
import { insertOutbox } from "../modules/federation/outbox.repository.ts";
import { PeerRateLimiter } from "../modules/federation/peer-rate-limiter.ts";
import { keyRevocationHandler } from "../modules/federation/peers.revocation.ts";
import { PeerDirectory } from "../modules/federation/peers.service.ts";
import { type Authenticator, authenticateWith } from "../modules/identity/authenticators.ts";
import { identityRoutes } from "../modules/identity/identity.routes.ts";
import { IdentityService } from "../modules/identity/identity.service.ts";
import { tokensRoutes } from "../modules/identity/tokens.routes.ts";
import { findUserById, findUserByUsername } from "../modules/identity/users.repository.ts";
import { KeyRevocationService } from "../modules/keys/keys.revocation.ts";
import { keysRoutes } from "../modules/keys/keys.routes.ts";
import { initKeys, type KeyRing, loadKeyRing } from "../modules/keys/keys.service.ts";
import { noticesRoutes } from "../modules/notices/notices.routes.ts";
import { NoticesService } from "../modules/notices/notices.service.ts";
import { AccessControl } from "../modules/policy/access.ts";
import { PolicyService } from "../modules/policy/policy.service.ts";
import { workplanEnvelopeHandler } from "../modules/workplan/workplan.handler.ts";
import { exchangeIndicators } from "../modules/workplan/workplan.indicators.ts";
import { WorkplanContributions } from "../modules/workplan/workplan.owned.ts";
import { workplanRoutes } from "../modules/workplan/workplan.routes.ts";
import { WorkplanService } from "../modules/workplan/workplan.service.ts";
import { secureDataDir } from "./data-dir-modes.ts";
import { createMetrics } from "./metrics.ts";
import { allMigrations } from "./migrations.ts";
import { OperationsListener } from "./operations.ts";

// Sessions that can no longer authenticate are deleted this often (see AuthService.purgeDeadSessions).
const SESSION_PURGE_INTERVAL_MS = 10 * 60 * 1000;
// PGlite's new files (0644 or 0666) are set to 0600 this often; the data directory itself is 0700 meanwhile.
const DATA_DIR_MODES_INTERVAL_MS = 60 * 1000;

export interface NodeOptions {
  clock?: Clock;
  logger?: Logger;
  /** Create keys when missing (the demo and tests); production nodes need `liaison keys init` first. */
  createKeys?: boolean;
  /** Folder of the Cedar schema, access policies and party packs (default: the repository's policies/). */
  policyDir?: string;
  /** When tree heads are signed and sent to the witness (default: every minute or 10,000 leaves). */
  audit?: Partial<AuditOptions>;
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
  workplan: WorkplanService;
  worker: DeliveryWorker;
  audit: AuditService;
  witness: WitnessService;
  /** Alerts when the peer stops countersigning this node's heads. */
  countersignWatch: CountersignatureWatch;
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
  // Domain facts first: a node that cannot read them fails before it opens anything.
  const domain = loadDomainDirectory(config.domainDir ?? defaultDomainDir());
  const legalDomain = loadDomainData(config.domainDir ?? defaultDomainDir());
  // Policies are validated against the schema before anything opens: an invalid policy stops the node
  // (LIAISON_POLICY_INVALID naming the file and the policy).
  const policy = new PolicyService(options.policyDir ? { policyDir: options.policyDir } : {});
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
  const database = await openDatabase({
    url: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
    embeddedSharedBuffersMb: config.embeddedSharedBuffersMb,
  });
  const { db } = database;
  // A new embedded database is created with most files 0666; PGlite's later files are fixed periodically below.
  secureDataDir(config.dataDir);
  try {
    await migrateToLatest(db, allMigrations, config.databaseSchema);
  } catch (error) {
    await database.close();
    throw error;
  }

  const metrics = createMetrics(config.party);
  const peers = new PeerDirectory(db, config.party);
  await peers.reload();
  const handlers = new EnvelopeHandlers();
  const client = new FederationClient(config);
  let worker: DeliveryWorker | undefined;
  const auditSequencer = new AuditSequencer(db, logger, {
    observeDrain: (seconds) => metrics.auditDrain.observe(seconds),
  });
  const sequenceAudit = () => auditSequencer.schedule();
  const changes = new ChangeRunner(db, clock, {
    appendAudit: (tx, at, events) => appendAuditEvents(tx, config.party, at, events),
    appendOutbox: (tx, _at, envelopes) => insertOutbox(tx, envelopes),
    onOutboxCommitted: () => worker?.wake(),
    onAuditQueued: sequenceAudit,
  });
  const federation = new FederationService({ config, db, clock, keys, peers, changes });
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
  const inbox = new InboxService({
    db,
    clock,
    party: config.party,
    config: config.federation,
    keys,
    peers,
    handlers,
    changes,
    rateLimiter: new PeerRateLimiter(config.federation.peerRatePerSecond),
    metrics,
    logger,
  });
  worker = new DeliveryWorker({
    db,
    clock,
    config: config.federation,
    party: config.party,
    peers,
    client,
    metrics,
    logger,
    changes,
  });
  const directory = new DirectoryService({ db, clock, party: config.party, domain, changes, federation, peers });
  handlers.register(directory.envelopeHandler());
  // Before identity, which queues role grants there; approvals asks identity who changed which account.
  const approvals = new ApprovalsService({
    db,
    party: config.party,
    changes,
    policy: access,
    domain: legalDomain,
    compliance,
    accountChangers: (ids) => identity.users.changersOf(ids),
  });
  const identity = new IdentityService({
    approvals,
    db,
    clock,
    party: config.party,
    mode: config.mode,
    config: config.identity,
    changes,
    directory,
  });
  try {
    await identity.users.assertNoDemoAccounts();
  } catch (error) {
    await database.close();
    throw error;
  }
  // Tried in order: API tokens, login sessions as bearer tokens, the session cookie. OIDC (roadmap step 5) is
  // one more Authenticator appended here; nothing else in the node changes.
  const authenticators: Authenticator[] = identity.authenticators();
  // Capability modules: each is constructed with the deps it needs and registers its envelope handlers.
  const notices = new NoticesService({ db, clock, party: config.party, changes, federation, compliance });
  handlers.register(notices.envelopeHandler());
  const workplan = new WorkplanService({
    db,
    clock,
    party: config.party,
    changes,
    federation,
    authorizer: access,
    indicators: exchangeIndicators(db, clock),
    logger,
  });
  handlers.register(workplanEnvelopeHandler());
  const exchange = createExchangeModule({
    db,
    clock,
    party: config.party,
    changes,
    federation,
    compliance,
    approvals,
    policy: access,
    agencies: domain.agencies,
    dataDir: config.dataDir,
    domainDir: config.domainDir ?? defaultDomainDir(),
    handlers,
    logger,
    maxEnvelopeBytes: config.federation.maxEnvelopeBytes,
    // Triage checks an assignee's agency; the exchange does not read identity's tables itself.
    userAgency: async (user) => {
      const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(user);
      const found = (isId ? await findUserById(db, user) : undefined) ?? (await findUserByUsername(db, user));
      return found ? found.agency : undefined;
    },
  });
  const witness = new WitnessService({
    db,
    clock,
    party: config.party,
    keys,
    peers,
    federation,
    changes,
    metrics,
    logger,
  });
  const countersignWatch = new CountersignatureWatch({
    db,
    clock,
    party: config.party,
    peers,
    changes,
    metrics,
    logger,
    alertsTotal: witness.alertsTotal,
    maxAgeMs: config.audit.countersignatureMaxAgeSeconds * 1000,
    intervalMs: config.audit.countersignatureCheckSeconds * 1000,
  });
  handlers.register(keyRevocationHandler(peers));
  const keyRevocations = new KeyRevocationService({
    dataDir: config.dataDir,
    clock,
    keys,
    peers,
    federation,
    changes,
  });
  handlers.register(witness.treeHeadHandler());
  handlers.register(witness.countersignatureHandler());
  const audit = new AuditService({
    db,
    clock,
    party: config.party,
    keys,
    logger,
    options: options.audit,
    onTreeHead: (head) => witness.sendHead(head),
    sequencer: auditSequencer,
  });
  await audit.importLegacy();
  // Records a previous run committed but did not get to sequence (it crashed in between) become leaves now.
  await auditSequencer.flush();

  for (const peer of config.peers) {
    await federation.pinPeer(JSON.parse(readFileSync(peer.descriptorFile, "utf8")), { id: `node:${config.party}` });
  }
  const adminToken = await identity.ensureAdminToken(config.dataDir);

  const deps: NodeDeps = {
    config,
    clock,
    logger,
    database,
    keys,
    metrics,
    changes,
    peers,
    handlers,
    client,
    federation,
    inbox,
    identity,
    directory,
    notices,
    policy,
    access,
    compliance,
    approvals,
    exchange,
    workplan,
    worker,
    audit,
    witness,
    countersignWatch,
  };

  const tls = config.tls;
  const operations = new OperationsListener({
    config: config.operations,
    db,
    migrations: allMigrations,
    metrics,
    logger,
  });
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
      opsRoutes({
        db,
        migrations: allMigrations,
        metrics,
        metricsAccess: metricsToken ? { token: metricsToken } : "closed",
      }),
      federationRoutes({
        federation,
        inbox,
        client,
        mode: config.mode,
        maxBodyBytes: config.federation.maxBodyBytes,
        maxBatchEnvelopes: config.federation.maxBatchEnvelopes,
        unauthenticatedRatePerMinute: config.federation.unauthenticatedRatePerMinute,
      }),
      keysRoutes(keyRevocations),
      noticesRoutes(notices),
      identityRoutes(identity, {
        secureCookies: Boolean(tls) || config.baseUrl.startsWith("https:"),
        loginRatePerMinute: config.identity.loginRatePerMinute,
        sessionTtlSeconds: config.identity.sessionTtlSeconds,
      }),
      tokensRoutes(identity.tokens),
      directoryRoutes(directory),
      workplanRoutes(workplan, new WorkplanContributions(workplan)),
      complianceRoutes({ compliance, changes, party: config.party }),
      approvalsRoutes(approvals, config.party),
      exchange.routes,
      auditRoutes({ audit, keys, peers, party: config.party }),
      // Capability modules' routes go here.
      // The web app last: its fallback answers every GET no module claimed.
      staticRoutes(),
    ],
  });

  // PGlite has no autovacuum; a PostgreSQL server may have had its own turned off.
  const autovacuumOff = database.kind === "postgres" && (await serverAutovacuumOff(db));
  if (autovacuumOff) {
    logger.warn("the PostgreSQL server's autovacuum is off: this node vacuums its churning tables itself; turn it on");
  }
  const churnVacuum =
    database.kind === "pglite" || autovacuumOff
      ? new ChurnVacuum({ db, logger, intervalMs: config.embeddedVacuumSeconds * 1000 })
      : undefined;
  let closed = false;
  const dataDirModes = new RecurringTask(
    async () => secureDataDir(config.dataDir),
    (error) => logger.error({ err: error }, "keeping the data directory's modes failed"),
  );
  const sessionPurge = new RecurringTask(
    () => identity.auth.purgeDeadSessions(),
    (error) => logger.error({ err: error }, "purging dead sessions failed"),
  );
  const node: LiaisonNode = {
    deps,
    app,
    adminToken,
    async listen() {
      const address = await app.listen({ host: config.listen.host, port: config.listen.port });
      node.operationsUrl = await operations.listen();
      if (config.deliveryWorker) worker.start();
      if (config.deliveryWorker) audit.start();
      if (config.deliveryWorker) countersignWatch.start();
      if (config.deliveryWorker) exchange.sweeper.start(30_000);
      if (config.deliveryWorker) workplan.sync.start();
      sessionPurge.start(SESSION_PURGE_INTERVAL_MS);
      dataDirModes.start(DATA_DIR_MODES_INTERVAL_MS);
      inbox.start();
      churnVacuum?.start();
      return address;
    },
    async close() {
      if (closed) return;
      closed = true;
      await sessionPurge.stop();
      await dataDirModes.stop();
      await worker.stop();
      await audit.stop();
      await countersignWatch.stop();
      // Writes the last summary of unauthenticated rejections, so it goes before the sequencer closes.
      await inbox.close().catch((error) => logger.error({ err: error }, "closing the inbox failed"));
      await auditSequencer.close();
      await exchange.sweeper.stop();
      await workplan.sync.stop();
      await churnVacuum?.stop();
      await operations.close();
      await app.close();
      await client.close();
      await database.close();
      try {
        secureDataDir(config.dataDir); // what PGlite wrote last
      } catch (error) {
        logger.error({ err: error }, "keeping the data directory's modes failed");
      }
    },
  };
  return node;
}
