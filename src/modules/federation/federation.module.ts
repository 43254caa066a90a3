import type { Logger } from "pino";
import type { NodeConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import type { Metrics } from "../../core/metrics.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { KeyRing } from "../keys/keys.service.ts";
import { defineModule } from "../module.ts";
import { DeliveryWorker } from "./delivery.worker.ts";
import { EnvelopeHandlers } from "./envelope-handlers.ts";
import { FederationClient } from "./federation.client.ts";
import { federationMigrations } from "./federation.migrations.ts";
import { federationRoutes } from "./federation.routes.ts";
import { FederationService } from "./federation.service.ts";
import { InboxService } from "./inbox.service.ts";
import { PeerRateLimiter } from "./peer-rate-limiter.ts";
import { keyRevocationHandler } from "./peers.revocation.ts";
import { PeerDirectory } from "./peers.service.ts";

export interface FederationModuleDeps {
  config: NodeConfig;
  db: Db;
  clock: Clock;
  keys: KeyRing;
  changes: ChangeRunner;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Federation: pinned peers, sealing, the outbox and its delivery worker, the inbox. `handlers` is the registry
 * the node fills with every module's envelope handlers before the inbox accepts anything.
 */
export function createFederationModule(deps: FederationModuleDeps) {
  const { config, db, clock, keys, changes, metrics, logger } = deps;
  const peers = new PeerDirectory(db, config.party);
  const handlers = new EnvelopeHandlers();
  const client = new FederationClient(config);
  const federation = new FederationService({ config, db, clock, keys, peers, changes });
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
  const worker = new DeliveryWorker({
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
  return defineModule({
    name: "federation",
    migrations: federationMigrations,
    peers,
    handlers,
    client,
    federation,
    inbox,
    worker,
    envelopeHandlers: [keyRevocationHandler(peers)],
    routes: [
      federationRoutes({
        federation,
        inbox,
        client,
        mode: config.mode,
        maxBodyBytes: config.federation.maxBodyBytes,
        maxBatchEnvelopes: config.federation.maxBatchEnvelopes,
        unauthenticatedRatePerMinute: config.federation.unauthenticatedRatePerMinute,
      }),
    ],
    tasks: [
      { name: "delivery worker", background: true, start: () => worker.start(), stop: () => worker.stop() },
      // Stopping writes the last summary of unauthenticated rejections: it closes before the audit sequencer.
      { name: "inbox rejection summaries", start: () => inbox.start(), stop: () => inbox.close() },
    ],
    start: () => peers.reload(),
    close: () => client.close(),
  });
}
export type FederationModule = ReturnType<typeof createFederationModule>;
