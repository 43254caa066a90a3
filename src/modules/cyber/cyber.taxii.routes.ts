/**
 * The TAXII 2.1 server of this node at /taxii2/ (OASIS TAXII 2.1, section 4: discovery, one API root per node,
 * collections, manifest, objects, versions, status). Its own error handler answers TAXII error messages in
 * application/taxii+json, never problem+json, and never 500 for anything a client sent.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isLiaisonError } from "../../core/errors.ts";
import type { App } from "../../http/app.ts";
import type { Principal } from "../identity/principal.ts";
import { taxiiErrors } from "./cyber.errors.ts";
import type { ObjectRow } from "./cyber.repository.ts";
import type { CyberService } from "./cyber.service.ts";
import { timestampOf } from "./cyber.stix.ts";
import { acceptsTaxii, authenticateTaxii, isTaxiiContentType, type TaxiiAuthDeps } from "./cyber.taxii.auth.ts";
import { type Endpoint, nextToken, parseTaxiiQuery } from "./cyber.taxii.params.ts";
import {
  ApiRoot,
  Collection,
  CollectionParams,
  Collections,
  commonTaxiiProblems,
  Discovery,
  Envelope,
  Manifest,
  ObjectParams,
  STIX_MEDIA_TYPE,
  StatusParams,
  TAXII_MEDIA_TYPE,
  TaxiiQuery,
  TaxiiStatus,
  taxiiProblems,
  taxiiSuccess,
  Versions,
} from "./cyber.taxii.schema.ts";

export interface TaxiiRouteDeps {
  cyber: CyberService;
  party: string;
  nodeName: string;
  baseUrl: string;
  auth: TaxiiAuthDeps;
  /** Largest POST body, announced in the API root as max_content_length. */
  maxContentLength: number;
}

declare module "fastify" {
  interface FastifyRequest {
    taxiiPrincipal?: Principal;
  }
}

const NOT_FOUND = ["LIAISON_TAXII_COLLECTION_NOT_FOUND"];

export function taxiiRoutes(deps: TaxiiRouteDeps) {
  const root = deps.party.toLowerCase();
  const apiRoot = `/${root}/`;
  return async (app: App) => {
    await app.register(
      async (taxii: App) => {
        taxii.setErrorHandler((error, request, reply) => sendTaxiiError(reply, request, error));
        taxii.setNotFoundHandler((request, reply) =>
          sendTaxiiError(reply, request, taxiiErrors.notFound(request.url.split("?")[0] ?? "")),
        );
        taxii.addContentTypeParser(/^application\/taxii\+json/i, { parseAs: "string" }, (_request, body, done) => {
          try {
            done(null, JSON.parse(body as string));
          } catch {
            done(taxiiErrors.unprocessable("the body is not JSON"), undefined);
          }
        });
        // Fastify rewrites a content type with parameters (quotes, a charset); TAXII clients compare the exact string.
        taxii.addHook("onSend", async (_request, reply, payload) => {
          const type = reply.getHeader("content-type");
          if (typeof type === "string" && type.startsWith("application/taxii+json"))
            reply.header("content-type", TAXII_MEDIA_TYPE);
          return payload;
        });
        taxii.addHook("onRequest", async (request) => {
          if (!acceptsTaxii(request.headers.accept)) throw taxiiErrors.notAcceptable();
          request.taxiiPrincipal = await authenticateTaxii(deps.auth, request);
        });
        const who = (request: FastifyRequest) => request.taxiiPrincipal as Principal;
        // The schemas are documentation here (checked by Zod all the same); the handlers read what they need.
        const params = (request: FastifyRequest) =>
          request.params as { collectionId: string; objectId: string; statusId: string };
        const config = { ownErrors: true };
        const doc = (schema: Record<string, unknown>, takesInput: boolean, own: Record<string, unknown> = {}) => ({
          tags: ["taxii"],
          ...schema,
          response: { ...commonTaxiiProblems(takesInput), ...own, ...(schema.response as object) },
        });

        taxii.get(
          "/",
          { config, schema: doc({ response: { 200: taxiiSuccess(Discovery, "TAXII discovery") } }, false) },
          async (_request, reply) =>
            reply.header("content-type", TAXII_MEDIA_TYPE).send({
              title: `Liaison ${deps.nodeName}`,
              description: `TAXII 2.1 server of the Liaison node of ${deps.party}`,
              default: `${deps.baseUrl}/taxii2${apiRoot}`,
              api_roots: [`${deps.baseUrl}/taxii2${apiRoot}`],
            }),
        );

        taxii.get(
          apiRoot,
          { config, schema: doc({ response: { 200: taxiiSuccess(ApiRoot, "The API root") } }, false) },
          async (_request, reply) =>
            reply.header("content-type", TAXII_MEDIA_TYPE).send({
              title: `${deps.party} cyber`,
              description: "STIX 2.1 collections of this node's cyber agencies",
              versions: [TAXII_MEDIA_TYPE],
              max_content_length: deps.maxContentLength,
            }),
        );

        taxii.get(
          `${apiRoot}status/:statusId/`,
          {
            config,
            schema: doc(
              { params: StatusParams, response: { 200: taxiiSuccess(TaxiiStatus, "A status resource") } },
              true,
              taxiiProblems({ 404: ["LIAISON_TAXII_STATUS_NOT_FOUND"] }),
            ),
          },
          async (request, reply) =>
            reply
              .header("content-type", TAXII_MEDIA_TYPE)
              .send(await deps.cyber.status(who(request), params(request).statusId)),
        );

        taxii.get(
          `${apiRoot}collections/`,
          {
            config,
            schema: doc({ response: { 200: taxiiSuccess(Collections, "The collections you may use") } }, false),
          },
          async (request, reply) => {
            const collections = (await deps.cyber.collections(who(request))).map(collectionView);
            return reply.header("content-type", TAXII_MEDIA_TYPE).send(collections.length > 0 ? { collections } : {});
          },
        );

        taxii.get(
          `${apiRoot}collections/:collectionId/`,
          {
            config,
            schema: doc(
              { params: CollectionParams, response: { 200: taxiiSuccess(Collection, "A collection") } },
              true,
              taxiiProblems({ 404: NOT_FOUND }),
            ),
          },
          async (request, reply) =>
            reply
              .header("content-type", TAXII_MEDIA_TYPE)
              .send(collectionView(await deps.cyber.collection(who(request), params(request).collectionId))),
        );

        const listing = async (
          request: FastifyRequest,
          endpoint: Endpoint,
          collectionId: string,
          objectId?: string,
        ) => {
          const principal = who(request);
          const parsed = parseTaxiiQuery(request.query as Record<string, unknown>, endpoint, {
            collectionId,
            principal: principal.id,
            ...(objectId ? { objectId } : {}),
          });
          const page = await deps.cyber.page(
            principal,
            collectionId,
            parsed.filter,
            endpoint === "objects" || endpoint === "object" ? "full" : "manifest",
          );
          if (
            objectId &&
            page.rows.length === 0 &&
            !parsed.next &&
            !(await deps.cyber.exists(principal, collectionId, objectId))
          )
            throw taxiiErrors.objectNotFound();
          return {
            page,
            next:
              page.more && page.lastPosition !== undefined ? nextToken(page.lastPosition, parsed.filterKey) : undefined,
          };
        };
        const sendPage = (reply: FastifyReply, rows: ObjectRow[], body: Record<string, unknown>) => {
          reply.header("content-type", TAXII_MEDIA_TYPE);
          const first = rows[0];
          const last = rows.at(-1);
          if (first && last) {
            reply.header("X-TAXII-Date-Added-First", timestampOf(BigInt(first.date_added_us)));
            reply.header("X-TAXII-Date-Added-Last", timestampOf(BigInt(last.date_added_us)));
          }
          return reply.send(body);
        };
        const paging = (more: boolean, next: string | undefined) => ({ more, ...(next ? { next } : {}) });

        const listingSchema = (
          params: typeof CollectionParams | typeof ObjectParams,
          body: Parameters<typeof taxiiSuccess>[0],
          what: string,
          extra: string[] = [],
        ) =>
          doc(
            { params, querystring: TaxiiQuery, response: { 200: taxiiSuccess(body, what) } },
            true,
            taxiiProblems({ 404: [...NOT_FOUND, ...extra] }),
          );

        taxii.get(
          `${apiRoot}collections/:collectionId/manifest/`,
          { config, schema: listingSchema(CollectionParams, Manifest, "Manifest of the objects") },
          async (request, reply) => {
            const { page, next } = await listing(request, "manifest", params(request).collectionId);
            const objects = page.rows.map((row) => ({
              id: row.stix_id,
              date_added: timestampOf(BigInt(row.date_added_us)),
              version: row.version,
              media_type: STIX_MEDIA_TYPE,
            }));
            return sendPage(reply, page.rows, {
              ...paging(page.more, next),
              ...(objects.length > 0 ? { objects } : {}),
            });
          },
        );

        taxii.get(
          `${apiRoot}collections/:collectionId/objects/`,
          { config, schema: listingSchema(CollectionParams, Envelope, "An envelope of objects") },
          async (request, reply) => {
            const { page, next } = await listing(request, "objects", params(request).collectionId);
            const objects = page.rows.map((row) => row.object);
            return sendPage(reply, page.rows, {
              ...paging(page.more, next),
              ...(objects.length > 0 ? { objects } : {}),
            });
          },
        );

        taxii.post(
          `${apiRoot}collections/:collectionId/objects/`,
          {
            config,
            bodyLimit: deps.maxContentLength,
            schema: doc(
              { params: CollectionParams, response: { 202: taxiiSuccess(TaxiiStatus, "The status of the request") } },
              true,
              taxiiProblems({
                404: NOT_FOUND,
                413: ["LIAISON_TAXII_TOO_LARGE"],
                415: ["LIAISON_TAXII_UNSUPPORTED_MEDIA_TYPE"],
                422: ["LIAISON_TAXII_UNPROCESSABLE"],
              }),
            ),
          },
          async (request, reply) => {
            if (!isTaxiiContentType(request.headers["content-type"])) throw taxiiErrors.unsupportedMediaType();
            const body = request.body as { objects?: unknown } | null;
            if (!body || typeof body !== "object" || Array.isArray(body) || !Array.isArray(body.objects))
              throw taxiiErrors.unprocessable("the body must be a TAXII envelope: an object with an `objects` array");
            const status = await deps.cyber.add(
              who(request),
              params(request).collectionId,
              body.objects,
              String(request.id),
            );
            return reply.status(202).header("content-type", TAXII_MEDIA_TYPE).send(status);
          },
        );

        taxii.get(
          `${apiRoot}collections/:collectionId/objects/:objectId/`,
          {
            config,
            schema: listingSchema(ObjectParams, Envelope, "The object's versions asked for", [
              "LIAISON_TAXII_OBJECT_NOT_FOUND",
            ]),
          },
          async (request, reply) => {
            const { page, next } = await listing(
              request,
              "object",
              params(request).collectionId,
              params(request).objectId,
            );
            const objects = page.rows.map((row) => row.object);
            return sendPage(reply, page.rows, {
              ...paging(page.more, next),
              ...(objects.length > 0 ? { objects } : {}),
            });
          },
        );

        taxii.delete(
          `${apiRoot}collections/:collectionId/objects/:objectId/`,
          {
            config,
            schema: doc(
              {
                params: ObjectParams,
                querystring: TaxiiQuery,
                response: { 200: { description: "Deleted", content: { [TAXII_MEDIA_TYPE]: { schema: Envelope } } } },
              },
              true,
              taxiiProblems({ 404: [...NOT_FOUND, "LIAISON_TAXII_OBJECT_NOT_FOUND"] }),
            ),
          },
          async (request, reply) => {
            const principal = who(request);
            const { collectionId, objectId } = params(request);
            const parsed = parseTaxiiQuery(request.query as Record<string, unknown>, "delete", {
              collectionId,
              principal: principal.id,
              objectId,
            });
            await deps.cyber.delete(
              principal,
              collectionId,
              objectId,
              parsed.filter.versions,
              parsed.filter.specVersions,
              String(request.id),
            );
            return reply.header("content-type", TAXII_MEDIA_TYPE).send({});
          },
        );

        taxii.get(
          `${apiRoot}collections/:collectionId/objects/:objectId/versions/`,
          {
            config,
            schema: listingSchema(ObjectParams, Versions, "The object's versions", ["LIAISON_TAXII_OBJECT_NOT_FOUND"]),
          },
          async (request, reply) => {
            const { page, next } = await listing(
              request,
              "versions",
              params(request).collectionId,
              params(request).objectId,
            );
            const versions = page.rows.map((row) => row.version);
            return sendPage(reply, page.rows, {
              ...paging(page.more, next),
              ...(versions.length > 0 ? { versions } : {}),
            });
          },
        );
      },
      { prefix: "/taxii2" },
    );
  };
}

function collectionView(c: {
  id: string;
  title: string;
  description: string | null;
  alias: string | null;
  canRead: boolean;
  canWrite: boolean;
}) {
  return {
    id: c.id,
    title: c.title,
    ...(c.description ? { description: c.description } : {}),
    ...(c.alias ? { alias: c.alias } : {}),
    can_read: c.canRead,
    can_write: c.canWrite,
    media_types: [STIX_MEDIA_TYPE],
  };
}

const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: "LIAISON_TAXII_TOO_LARGE",
    title: "The body is larger than max_content_length",
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "LIAISON_TAXII_UNSUPPORTED_MEDIA_TYPE",
    title: "Send application/taxii+json;version=2.1",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: "LIAISON_TAXII_BAD_PARAMETER",
    title: "Content-Length does not match the body",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 422, code: "LIAISON_TAXII_UNPROCESSABLE", title: "The body is empty" },
};

/** A TAXII error message (section 3.6.1) with the Liaison code as error_code and the request id as error_id. */
export function sendTaxiiError(reply: FastifyReply, request: FastifyRequest, error: unknown) {
  let status = 500;
  let code = "LIAISON_INTERNAL";
  let title = "Internal error";
  let details: Record<string, unknown> | undefined;
  if (isLiaisonError(error)) {
    status = error.status;
    code = error.code;
    title = error.message;
    details = error.details;
  } else if ((error as FastifyError).validation) {
    status = 400;
    code = "LIAISON_TAXII_BAD_PARAMETER";
    title = (error as FastifyError).message;
  } else if (FRAMEWORK_ERRORS[(error as FastifyError).code]) {
    ({ status, code, title } = FRAMEWORK_ERRORS[(error as FastifyError).code] as {
      status: number;
      code: string;
      title: string;
    });
  } else {
    request.log.error({ err: error }, "TAXII request failed");
  }
  if (status === 401) reply.header("WWW-Authenticate", 'Basic realm="Liaison TAXII", charset="UTF-8"');
  const retry = details?.retryAfterSeconds;
  if (status === 429 && typeof retry === "number") reply.header("Retry-After", String(retry));
  return reply
    .status(status)
    .header("content-type", TAXII_MEDIA_TYPE)
    .send({
      title,
      error_id: String(request.id),
      error_code: code,
      http_status: String(status),
      ...(details && status !== 500 ? { details } : {}),
    });
}
