import type { App } from "../../http/app.ts";
import { authorizeNodeOperation } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import { TokenIdParams, TokenList, TokenViewSchema } from "./identity.schema.ts";
import type { TokensService } from "./tokens.service.ts";

/**
 * API tokens of this node: list (ids, owners, expiry; never secrets) and revoke. Tokens are credentials of the
 * node's principals, so managing them is the same node operation as managing users, decided by Cedar.
 */
export function tokensRoutes(tokens: TokensService) {
  return (app: App) => {
    app.get(
      "/api/v1/tokens",
      { config: { auth: true }, schema: { tags: ["tokens"], response: { 200: TokenList } } },
      async (request) => {
        await authorizeNodeOperation(request, "user.manage");
        return { items: await tokens.list() };
      },
    );

    app.post(
      "/api/v1/tokens/:id/revoke",
      {
        config: { auth: true },
        schema: {
          tags: ["tokens"],
          params: TokenIdParams,
          response: { 200: TokenViewSchema, ...problems({ 404: ["LIAISON_AUTH_TOKEN_NOT_FOUND"] }) },
        },
      },
      async (request) => {
        const admin = await authorizeNodeOperation(request, "user.manage");
        return tokens.revoke(request.params.id, { id: admin.id, requestId: String(request.id) });
      },
    );
  };
}
