import type { App } from "../../http/app.ts";
import { authorize, principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import { ListNoticesQuery, NoticeList, SendNoticeRequest, SentNotice } from "./notices.schema.ts";
import type { NoticesService } from "./notices.service.ts";

export function noticesRoutes(notices: NoticesService) {
  return (app: App) => {
    app.post(
      "/api/v1/notices",
      {
        config: { auth: true },
        schema: {
          tags: ["notices"],
          body: SendNoticeRequest,
          response: { 201: SentNotice, ...problems({ 422: ["LIAISON_NOTICE_COMPLIANCE_REFUSED"] }) },
        },
      },
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
      {
        config: { auth: true },
        schema: { tags: ["notices"], querystring: ListNoticesQuery, response: { 200: NoticeList } },
      },
      async (request) => {
        const { party } = principalOf(request);
        await authorize(request, "notice.read", { type: "notice", id: "list", attributes: { party } });
        return { items: await notices.list(request.query) };
      },
    );
  };
}
