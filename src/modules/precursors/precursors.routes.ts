import { z } from "zod";
import type { App } from "../../http/app.ts";
import { principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import type { PrecursorIncidents } from "./precursors.incidents.ts";
import {
  AmendmentInput,
  IncidentInput,
  IncidentList,
  IncidentQuery,
  IncidentView,
  NotificationDetail,
  NotificationInput,
  NotificationList,
  NotificationQuery,
  ReminderList,
  ReplyInput,
  ShipmentInput,
  WithdrawalInput,
} from "./precursors.schema.ts";
import type { PrecursorsService } from "./precursors.service.ts";

const Id = z.object({ id: z.uuid() });
const tags = ["precursors"];
const GATE = ["LIAISON_PRECURSORS_COMPLIANCE_REFUSED", "LIAISON_PRECURSORS_NEEDS_APPROVAL"] as const;
const INPUT = ["LIAISON_PRECURSORS_BAD_CAS", "LIAISON_PRECURSORS_NOT_CATALOGUED", "LIAISON_PRECURSORS_REPLY_BY_PAST"];
const NOT_FOUND = ["LIAISON_PRECURSORS_NOT_FOUND"];
const LIFECYCLE = [
  "LIAISON_PRECURSORS_REPLY_CLOSED",
  "LIAISON_PRECURSORS_STALE_VERSION",
  "LIAISON_PRECURSORS_ALREADY_DISPATCHED",
  "LIAISON_PRECURSORS_WITHDRAWN",
  "LIAISON_PRECURSORS_BAD_SHIPMENT_STEP",
];
const NO_AGENCY = ["LIAISON_PRECURSORS_NO_AGENCY"];

/** Thin: parse, call the service (which authorizes through the one path), shape the answer. */
export function precursorsRoutes(service: PrecursorsService, incidents: PrecursorIncidents) {
  return (app: App) => {
    app.post(
      "/api/v1/precursors/notifications",
      {
        config: { auth: true },
        schema: {
          tags,
          body: NotificationInput,
          response: {
            201: NotificationDetail,
            ...problems({
              400: [...INPUT, "LIAISON_PRECURSORS_TO_SELF"],
              403: NO_AGENCY,
              422: GATE,
            }),
          },
        },
      },
      async (request, reply) => reply.status(201).send(await service.send(request.body, principalOf(request))),
    );
    app.get(
      "/api/v1/precursors/notifications",
      { config: { auth: true }, schema: { tags, querystring: NotificationQuery, response: { 200: NotificationList } } },
      async (request) => service.list(request.query, principalOf(request)),
    );
    app.get(
      "/api/v1/precursors/notifications/:id",
      {
        config: { auth: true },
        schema: { tags, params: Id, response: { 200: NotificationDetail, ...problems({ 404: NOT_FOUND }) } },
      },
      async (request) => service.detail(request.params.id, principalOf(request)),
    );
    const step = <B extends z.ZodType>(
      path: string,
      body: B,
      codes: string[],
      act: (id: string, body: z.infer<B>, principal: ReturnType<typeof principalOf>) => Promise<unknown>,
    ) =>
      app.post(
        `/api/v1/precursors/notifications/:id/${path}`,
        {
          config: { auth: true },
          schema: {
            tags,
            params: Id,
            body,
            response: {
              200: NotificationDetail,
              ...problems({ 400: INPUT, 403: NO_AGENCY, 404: NOT_FOUND, 409: [...LIFECYCLE, ...codes], 422: GATE }),
            },
          },
        },
        async (request) =>
          act(request.params.id, request.body as z.infer<B>, principalOf(request)) as Promise<
            z.infer<typeof NotificationDetail>
          >,
      );
    step("reply", ReplyInput, ["LIAISON_PRECURSORS_NOT_IMPORTER"], (id, body, p) => service.reply(id, body, p));
    step("amend", AmendmentInput, ["LIAISON_PRECURSORS_NOT_EXPORTER"], (id, body, p) => service.amend(id, body, p));
    step("withdraw", WithdrawalInput, ["LIAISON_PRECURSORS_NOT_EXPORTER"], (id, body, p) =>
      service.withdraw(id, body, p),
    );
    step("shipment", ShipmentInput, [], (id, body, p) => service.shipment(id, body, p));
    app.get(
      "/api/v1/precursors/reminders",
      { config: { auth: true }, schema: { tags, response: { 200: ReminderList } } },
      async (request) => ({ items: await service.reminders(principalOf(request)) }),
    );
    app.post(
      "/api/v1/precursors/incidents",
      {
        config: { auth: true },
        schema: {
          tags,
          body: IncidentInput,
          response: {
            201: IncidentView,
            ...problems({ 400: [...INPUT, "LIAISON_PRECURSORS_TO_SELF"], 403: NO_AGENCY, 404: NOT_FOUND, 422: GATE }),
          },
        },
      },
      async (request, reply) => reply.status(201).send(await incidents.send(request.body, principalOf(request))),
    );
    app.get(
      "/api/v1/precursors/incidents",
      { config: { auth: true }, schema: { tags, querystring: IncidentQuery, response: { 200: IncidentList } } },
      async (request) => incidents.list(request.query, principalOf(request)),
    );
    app.get(
      "/api/v1/precursors/incidents/:id",
      {
        config: { auth: true },
        schema: {
          tags,
          params: Id,
          response: { 200: IncidentView, ...problems({ 404: ["LIAISON_PRECURSORS_INCIDENT_NOT_FOUND"] }) },
        },
      },
      async (request) => incidents.detail(request.params.id, principalOf(request)),
    );
  };
}
