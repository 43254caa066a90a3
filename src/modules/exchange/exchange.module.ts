import type { Logger } from "pino";
import type { EnvelopeHandlers } from "../federation/envelope-handlers.ts";
import { DEFAULT_ATTACHMENT_MAX_BYTES, loadAttachmentKey } from "./exchange.attachments.ts";
import { type DeadlineTable, loadDeadlines } from "./exchange.deadlines.ts";
import { approvalDecidedHandler, messageEnvelopeHandler, withdrawalConfirmedHandler } from "./exchange.handlers.ts";
import { exchangeRoutes } from "./exchange.routes.ts";
import { APPROVAL_KIND, type ExchangeDeps, ExchangeService } from "./exchange.service.ts";
import { DeadlineSweeper } from "./exchange.sweeper.ts";
import { ExchangeThreads } from "./exchange.threads.ts";

export interface ExchangeModuleOptions
  extends Omit<ExchangeDeps, "attachmentKey" | "deadlines" | "attachmentMaxBytes" | "maxEnvelopeBytes"> {
  dataDir: string;
  domainDir: string;
  handlers: EnvelopeHandlers;
  logger?: Logger;
  /** An agreement's own deadlines instead of handling.json's. */
  deadlines?: Partial<DeadlineTable>;
  attachmentMaxBytes?: number;
  /** federation.maxEnvelopeBytes (default 1 MiB). */
  maxEnvelopeBytes?: number;
}

/** Build the exchange module and register what it receives: envelopes from the peer and approval outcomes. */
export function createExchangeModule(options: ExchangeModuleOptions) {
  const { dataDir, domainDir, handlers, logger, deadlines, attachmentMaxBytes, maxEnvelopeBytes, ...deps } = options;
  const service = new ExchangeService({
    ...deps,
    attachmentKey: loadAttachmentKey(dataDir),
    deadlines: { ...loadDeadlines(domainDir), ...(deadlines ?? {}) },
    attachmentMaxBytes: attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES,
    maxEnvelopeBytes: maxEnvelopeBytes ?? 1024 * 1024,
  });
  const threads = new ExchangeThreads(service);
  const sweeper = new DeadlineSweeper(service, logger);
  handlers.register(messageEnvelopeHandler(service));
  handlers.register(withdrawalConfirmedHandler(service));
  deps.approvals.onDecided(APPROVAL_KIND, approvalDecidedHandler(service));
  return { service, threads, sweeper, routes: exchangeRoutes(service, threads) };
}
export type ExchangeModule = ReturnType<typeof createExchangeModule>;
