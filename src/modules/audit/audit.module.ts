import type { Logger } from "pino";
import type { NodeConfig } from "../../config/config.schema.ts";
import type { Clock } from "../../core/clock.ts";
import type { Metrics } from "../../core/metrics.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { FederationService } from "../federation/federation.service.ts";
import type { PeerDirectory } from "../federation/peers.service.ts";
import type { KeyRing } from "../keys/keys.service.ts";
import { defineModule } from "../module.ts";
import { auditMigrations } from "./audit.migrations.ts";
import { auditRoutes } from "./audit.routes.ts";
import { AuditSequencer } from "./audit.sequencer.ts";
import { type AuditOptions, AuditService } from "./audit.service.ts";
import { CountersignatureWatch } from "./countersign-watch.ts";
import { WitnessService } from "./witness.service.ts";

export interface AuditModuleDeps {
  config: Pick<NodeConfig, "party" | "audit">;
  db: Db;
  clock: Clock;
  keys: KeyRing;
  logger: Logger;
  metrics: Metrics;
  changes: ChangeRunner;
  /** Witnessing: the peers' keys, and sealing tree heads for them. */
  peers: PeerDirectory;
  federation: FederationService;
  /** When tree heads are signed and sent to the witness (default: every minute or 10,000 leaves). */
  options?: Partial<AuditOptions> | undefined;
}

/**
 * Audit: the sequencer that turns queued change records into Merkle leaves, the signed tree heads, witnessing
 * with the peer and the alert when the peer stops countersigning. The change runner is told of commits through
 * `sequencer` (the node wires it), so nothing here is imported by the database layer.
 */
export function createAuditModule(deps: AuditModuleDeps) {
  const { config, db, clock, keys, logger, metrics, changes, peers, federation } = deps;
  const party = config.party;
  const sequencer = new AuditSequencer(db, logger, {
    observeDrain: (seconds) => metrics.auditDrain.observe(seconds),
  });
  const witness = new WitnessService({ db, clock, party, keys, peers, federation, changes, metrics, logger });
  const countersignWatch = new CountersignatureWatch({
    db,
    clock,
    party,
    peers,
    changes,
    metrics,
    logger,
    alertsTotal: witness.alertsTotal,
    maxAgeMs: config.audit.countersignatureMaxAgeSeconds * 1000,
    intervalMs: config.audit.countersignatureCheckSeconds * 1000,
  });
  const audit = new AuditService({
    db,
    clock,
    party,
    keys,
    logger,
    options: deps.options,
    onTreeHead: (head) => witness.sendHead(head),
    sequencer,
  });
  return defineModule({
    name: "audit",
    migrations: auditMigrations,
    sequencer,
    audit,
    witness,
    countersignWatch,
    envelopeHandlers: [witness.treeHeadHandler(), witness.countersignatureHandler()],
    routes: [auditRoutes({ audit, keys, peers, party })],
    tasks: [
      { name: "tree heads", background: true, start: () => audit.start(), stop: () => audit.stop() },
      {
        name: "countersignature watch",
        background: true,
        start: () => countersignWatch.start(),
        stop: () => countersignWatch.stop(),
      },
    ],
    async start() {
      await audit.importLegacy();
      // Records a previous run committed but did not get to sequence (it crashed in between) become leaves now.
      await sequencer.flush();
    },
    close: () => sequencer.close(),
  });
}
export type AuditModule = ReturnType<typeof createAuditModule>;
