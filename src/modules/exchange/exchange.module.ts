import type { Logger } from "pino";
import { defineModule } from "../module.ts";
import { DEFAULT_ATTACHMENT_MAX_BYTES, loadAttachmentKey } from "./exchange.attachments.ts";
import { type DeadlineTable, loadDeadlines } from "./exchange.deadlines.ts";
import { approvalDecidedHandler, messageEnvelopeHandler, withdrawalConfirmedHandler } from "./exchange.handlers.ts";
import { exchangeMigrations } from "./exchange.migrations.ts";
import { exchangeRoutes } from "./exchange.routes.ts";
import { APPROVAL_KIND, type ExchangeDeps, ExchangeService } from "./exchange.service.ts";
import { exchangeStats } from "./exchange.stats.ts";
import { DeadlineSweeper } from "./exchange.sweeper.ts";
import { ExchangeThreads } from "./exchange.threads.ts";

/** How often overdue deadlines are looked for (and escalated). */
const DEADLINE_SWEEP_INTERVAL_MS = 30_000;

export interface ExchangeModuleOptions
  extends Omit<ExchangeDeps, "attachmentKey" | "deadlines" | "attachmentMaxBytes" | "maxEnvelopeBytes"> {
  /** The node's data folder: the attachment key lives there. */
  dataDir: string;
  /** config.domainDir: handling.json's deadlines are read from there. */
  domainDir: string;
  logger?: Logger;
  /** An agreement's own deadlines instead of handling.json's. */
  deadlines?: Partial<DeadlineTable>;
  attachmentMaxBytes?: number;
  /** federation.maxEnvelopeBytes (default 1 MiB). */
  maxEnvelopeBytes?: number;
}

/**
 * The exchange: requests, responses, disclosures and alerts between the parties, their deadlines and
 * attachments. It receives messages and withdrawal confirmations from the peer, and acts on approval outcomes.
 */
export function createExchangeModule(options: ExchangeModuleOptions) {
  const { dataDir, domainDir, logger, deadlines, attachmentMaxBytes, maxEnvelopeBytes, ...deps } = options;
  const service = new ExchangeService({
    ...deps,
    attachmentKey: loadAttachmentKey(dataDir),
    deadlines: { ...loadDeadlines(domainDir), ...(deadlines ?? {}) },
    attachmentMaxBytes: attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES,
    maxEnvelopeBytes: maxEnvelopeBytes ?? 1024 * 1024,
  });
  const threads = new ExchangeThreads(service);
  const sweeper = new DeadlineSweeper(service, logger);
  deps.approvals.onDecided(APPROVAL_KIND, approvalDecidedHandler(service));
  return defineModule({
    name: "exchange",
    migrations: exchangeMigrations,
    service,
    threads,
    sweeper,
    /** Deadline statistics by lane and priority (the workplan's indicators come from here). */
    stats: () => exchangeStats(deps.db, deps.clock.now()),
    envelopeHandlers: [messageEnvelopeHandler(service), withdrawalConfirmedHandler(service)],
    routes: [exchangeRoutes(service, threads)],
    tasks: [
      {
        name: "deadline sweeper",
        background: true,
        start: () => sweeper.start(DEADLINE_SWEEP_INTERVAL_MS),
        stop: () => sweeper.stop(),
      },
    ],
  });
}
export type ExchangeModule = ReturnType<typeof createExchangeModule>;
