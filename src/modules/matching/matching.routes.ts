import type { App } from "../../http/app.ts";
import { principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import type { MatchingLists } from "./matching.lists.ts";
import { CreatedList, CreateListRequest, ListList, ListsQuery } from "./matching.schema.ts";

const tags = ["matching"];
/** A 1,000,000-value list is ~20 MB of JSON. */
const LIST_BODY_LIMIT = 48 * 1024 * 1024;

/** Thin: parse, call the service (which authorizes through the one path), shape the answer. */
export function matchingRoutes(lists: MatchingLists) {
  return (app: App) => {
    app.post(
      "/api/v1/matching/lists",
      {
        bodyLimit: LIST_BODY_LIMIT,
        config: { auth: true },
        schema: {
          tags,
          body: CreateListRequest,
          response: { 201: CreatedList, ...problems({ 403: ["LIAISON_MATCHING_NO_AGENCY"] }) },
        },
      },
      async (request, reply) => reply.status(201).send(await lists.create(request.body, principalOf(request))),
    );
    app.get(
      "/api/v1/matching/lists",
      {
        config: { auth: true },
        schema: {
          tags,
          querystring: ListsQuery,
          response: { 200: ListList, ...problems({ 403: ["LIAISON_MATCHING_NO_AGENCY"] }) },
        },
      },
      async (request) => ({ items: await lists.list(principalOf(request), request.query.limit) }),
    );
  };
}
