import type { App } from "../../http/app.ts";
import { authorize, principalOf } from "../../http/guards.ts";
import { ListNoticesQuery, SendNoticeRequest } from "./notices.schema.ts";
import type { NoticesService } from "./notices.service.ts";

export function noticesRoutes(notices: NoticesService) {
  return (app: App) => {
    app.post(
      "/api/v1/notices",
      { config: { auth: true }, schema: { tags: ["notices"], body: SendNoticeRequest } },
      async (request, reply) => {
        const { party } = principalOf(request);
        const { principal } = await authorize(request, "notice.send", {
          type: "notice",
          id: "new",
          attributes: { party },
        });
        const result = await notices.send(request.body, principal, String(request.id));
        return reply.status(201).send(result);
      },
    );
    app.get(
      "/api/v1/notices",
      { config: { auth: true }, schema: { tags: ["notices"], querystring: ListNoticesQuery } },
      async (request) => {
        const { party } = principalOf(request);
        await authorize(request, "notice.read", { type: "notice", id: "list", attributes: { party } });
        return { items: await notices.list(request.query) };
      },
    );
  };
}
