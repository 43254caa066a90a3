import { z } from "zod";
import { PartyCode } from "../../core/party.ts";

export const NOTICE_TEXT_MAX = 4000;

export const SendNoticeRequest = z.object({
  to: PartyCode,
  text: z.string().trim().min(1, "text must not be empty").max(NOTICE_TEXT_MAX),
});
export type SendNoticeRequest = z.infer<typeof SendNoticeRequest>;

/** The body of a `notice.sent` envelope. */
export const NoticeEnvelopeBody = z
  .object({ noticeId: z.uuid(), text: z.string().min(1).max(NOTICE_TEXT_MAX), sentBy: z.string() })
  .strict();

export const ListNoticesQuery = z.object({
  direction: z.enum(["outbound", "inbound"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.uuid().optional(),
});
