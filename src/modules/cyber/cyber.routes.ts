import type { App } from "../../http/app.ts";
import { principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import { importMisp } from "./cyber.import.ts";
import { MispImportBody, MispImportQuery, MispImportResult } from "./cyber.schema.ts";
import type { CyberService } from "./cyber.service.ts";

/** The cyber lane's own API (beside the TAXII server): MISP import. */
export function cyberRoutes(cyber: CyberService) {
  return (app: App) => {
    app.post(
      "/api/v1/cyber/import",
      {
        config: { auth: true },
        // A MISP export of many events is large; the same limit as a TAXII POST.
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags: ["cyber"],
          body: MispImportBody,
          querystring: MispImportQuery,
          response: {
            201: MispImportResult,
            ...problems({
              400: ["LIAISON_CYBER_MISP_INVALID"],
              404: ["LIAISON_TAXII_COLLECTION_NOT_FOUND", "LIAISON_CYBER_NO_COLLECTION"],
              422: ["LIAISON_CYBER_MISP_UNMAPPABLE"],
            }),
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const result = await importMisp(cyber, principal, request.body, {
          collection: request.query.collection,
          requestId: String(request.id),
        });
        return reply.status(201).send(result);
      },
    );
  };
}
