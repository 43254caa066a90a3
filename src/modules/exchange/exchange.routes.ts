import { z } from "zod";
import type { App } from "../../http/app.ts";
import { principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import { attachmentHeaders } from "./exchange.attachment-meta.ts";
import { ALLOWED_ATTACHMENT_TYPES } from "./exchange.attachments.ts";
import { downloadAttachment } from "./exchange.downloads.ts";
import {
  AddMessageRequest,
  AssignRequest,
  AttachmentBytes,
  CreatedThread,
  CreateThreadRequest,
  ExchangeStats,
  ListThreadsQuery,
  MarkedRead,
  NotificationList,
  SearchPage,
  SearchQuery,
  SentMessage,
  Thread,
  ThreadHeader,
  ThreadIdParams,
  ThreadList,
} from "./exchange.schema.ts";
import { searchMessages } from "./exchange.search.ts";
import type { ExchangeService } from "./exchange.service.ts";
import { statsFor } from "./exchange.stats.ts";
import type { ExchangeThreads } from "./exchange.threads.ts";
import { readScopeOf } from "./exchange.visibility.ts";

const tags = ["exchange"];
const threadNotFound = problems({ 404: ["LIAISON_EXCHANGE_THREAD_NOT_FOUND"] });

export function exchangeRoutes(exchange: ExchangeService, threads: ExchangeThreads) {
  return (app: App) => {
    app.post(
      "/api/v1/threads",
      { config: { auth: true }, schema: { tags, body: CreateThreadRequest, response: { 201: CreatedThread } } },
      async (request, reply) => {
        const result = await exchange.createThread(request.body, principalOf(request), String(request.id));
        return reply.status(201).send(result);
      },
    );
    app.get(
      "/api/v1/threads",
      { config: { auth: true }, schema: { tags, querystring: ListThreadsQuery, response: { 200: ThreadList } } },
      async (request) => ({ items: await threads.list(principalOf(request), request.query) }),
    );
    app.get(
      "/api/v1/threads/:id",
      {
        config: { auth: true },
        schema: { tags, params: ThreadIdParams, response: { 200: Thread, ...threadNotFound } },
      },
      async (request) => threads.get(request.params.id, principalOf(request)),
    );
    app.post(
      "/api/v1/threads/:id/messages",
      {
        config: { auth: true },
        schema: {
          tags,
          params: ThreadIdParams,
          body: AddMessageRequest,
          response: { 201: SentMessage, ...threadNotFound },
        },
      },
      async (request, reply) => {
        const result = await exchange.addMessage(
          request.params.id,
          request.body,
          principalOf(request),
          String(request.id),
        );
        return reply.status(201).send(result);
      },
    );
    app.post(
      "/api/v1/threads/:id/assign",
      {
        config: { auth: true },
        schema: {
          tags,
          params: ThreadIdParams,
          body: AssignRequest,
          response: { 200: ThreadHeader, ...threadNotFound },
        },
      },
      async (request) => threads.assign(request.params.id, request.body, principalOf(request), String(request.id)),
    );
    app.post(
      "/api/v1/threads/:id/read",
      {
        config: { auth: true },
        schema: { tags, params: ThreadIdParams, response: { 200: MarkedRead, ...threadNotFound } },
      },
      async (request) => {
        const principal = principalOf(request);
        await threads.get(request.params.id, principal);
        return { marked: true as const };
      },
    );
    app.get(
      "/api/v1/attachments/:id",
      {
        config: { auth: true },
        schema: {
          tags,
          params: z.object({ id: z.uuid() }),
          response: { 200: AttachmentBytes, ...problems({ 404: ["LIAISON_EXCHANGE_ATTACHMENT_NOT_FOUND"] }) },
        },
      },
      async (request, reply) => {
        const { attachment, bytes } = await downloadAttachment(
          exchange,
          request.params.id,
          principalOf(request),
          String(request.id),
        );
        return reply
          .headers(attachmentHeaders(attachment, ALLOWED_ATTACHMENT_TYPES))
          .header("x-content-sha256", attachment.sha256)
          .send(bytes);
      },
    );
    app.get(
      "/api/v1/notifications",
      {
        config: { auth: true },
        schema: {
          tags,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
          response: { 200: NotificationList },
        },
      },
      async (request) => ({ items: await threads.notifications(principalOf(request), request.query.limit) }),
    );
    app.get(
      "/api/v1/exchange/search",
      { config: { auth: true }, schema: { tags, querystring: SearchQuery, response: { 200: SearchPage } } },
      async (request) => {
        const principal = principalOf(request);
        await exchange.authorize(principal, "search", "search", exchange.requireAgency(principal));
        return searchMessages(
          exchange.deps.db,
          readScopeOf(exchange.deps.policy, principal, exchange.deps.party),
          request.query,
        );
      },
    );
    app.get(
      "/api/v1/exchange/stats",
      { config: { auth: true }, schema: { tags, response: { 200: ExchangeStats } } },
      async (request) => statsFor(exchange, principalOf(request)),
    );
  };
}
