import type { App } from "../../http/app.ts";
import { authorizeNodeOperation, principalOf } from "../../http/guards.ts";
import { AgencyDirectory, DirectoryUserList, ListDirectoryUsersQuery, PublishResult } from "./directory.schema.ts";
import type { DirectoryService } from "./directory.service.ts";

export function directoryRoutes(directory: DirectoryService) {
  return (app: App) => {
    app.get(
      "/api/v1/directory/agencies",
      { config: { auth: true }, schema: { tags: ["directory"], response: { 200: AgencyDirectory } } },
      async (request) => {
        principalOf(request);
        return directory.listAgencies();
      },
    );
    app.get(
      "/api/v1/directory/users",
      {
        config: { auth: true },
        schema: { tags: ["directory"], querystring: ListDirectoryUsersQuery, response: { 200: DirectoryUserList } },
      },
      async (request) => {
        principalOf(request);
        return { items: await directory.listUsers(request.query) };
      },
    );
    app.post(
      "/api/v1/directory/publish",
      { config: { auth: true }, schema: { tags: ["directory"], response: { 200: PublishResult } } },
      async (request) => {
        const principal = await authorizeNodeOperation(request, "user.manage");
        return directory.publishAll(principal.id, String(request.id));
      },
    );
  };
}
