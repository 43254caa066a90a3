import { defineModule } from "../module.ts";
import { noticesMigrations } from "./notices.migrations.ts";
import { noticesRoutes } from "./notices.routes.ts";
import { type NoticesDeps, NoticesService } from "./notices.service.ts";

/** Notices: short signed messages between the parties, through the gate and the outbox. */
export function createNoticesModule(deps: NoticesDeps) {
  const notices = new NoticesService(deps);
  return defineModule({
    name: "notices",
    migrations: noticesMigrations,
    notices,
    envelopeHandlers: [notices.envelopeHandler()],
    routes: [noticesRoutes(notices)],
  });
}
