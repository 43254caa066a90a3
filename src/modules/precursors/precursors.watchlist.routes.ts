import type { App } from "../../http/app.ts";
import { principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import { noContent } from "../../http/response.schema.ts";
import {
  WatchlistCheckAnswer,
  WatchlistCheckRequest,
  WatchlistEntryParams,
  WatchlistEntryRequest,
  WatchlistEntryView,
  WatchlistPage,
  WatchlistQuery,
} from "./precursors.watchlist.schema.ts";
import type { WatchlistService } from "./precursors.watchlist.service.ts";

const NOT_FOUND = problems({ 404: ["LIAISON_PRECURSORS_WATCHLIST_ENTRY_NOT_FOUND"] });

/** The node's own watchlist: read and edited by its competent authority only, never sent anywhere. */
export function precursorsWatchlistRoutes(watchlist: WatchlistService) {
  return (app: App) => {
    const tags = ["precursors"];
    app.get(
      "/api/v1/precursors/watchlist",
      { config: { auth: true }, schema: { tags, querystring: WatchlistQuery, response: { 200: WatchlistPage } } },
      async (request) => watchlist.list(principalOf(request), request.query),
    );
    app.post(
      "/api/v1/precursors/watchlist",
      {
        config: { auth: true },
        schema: { tags, body: WatchlistEntryRequest, response: { 201: WatchlistEntryView } },
      },
      async (request, reply) => reply.status(201).send(await watchlist.add(principalOf(request), request.body)),
    );
    app.get(
      "/api/v1/precursors/watchlist/:id",
      {
        config: { auth: true },
        schema: { tags, params: WatchlistEntryParams, response: { 200: WatchlistEntryView, ...NOT_FOUND } },
      },
      async (request) => watchlist.get(principalOf(request), request.params.id),
    );
    app.delete(
      "/api/v1/precursors/watchlist/:id",
      {
        config: { auth: true },
        schema: { tags, params: WatchlistEntryParams, response: { 204: noContent, ...NOT_FOUND } },
      },
      async (request, reply) => {
        await watchlist.remove(principalOf(request), request.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      "/api/v1/precursors/watchlist/check",
      {
        config: { auth: true },
        schema: { tags, body: WatchlistCheckRequest, response: { 200: WatchlistCheckAnswer } },
      },
      async (request) => ({ flags: await watchlist.check(principalOf(request), request.body.subjects) }),
    );
  };
}
