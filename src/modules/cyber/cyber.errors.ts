import { LiaisonError } from "../../core/errors.ts";

/** TAXII's errors, each with the status TAXII 2.1 section 3.6 names; docs/errors.md explains every code. */
export const taxiiErrors = {
  badParameter: (parameter: string, message: string) =>
    new LiaisonError("LIAISON_TAXII_BAD_PARAMETER", 400, `${parameter}: ${message}`, { parameter }),
  notAcceptable: () =>
    new LiaisonError(
      "LIAISON_TAXII_NOT_ACCEPTABLE",
      406,
      "this server answers application/taxii+json;version=2.1 only: say so in Accept",
    ),
  unsupportedMediaType: () =>
    new LiaisonError(
      "LIAISON_TAXII_UNSUPPORTED_MEDIA_TYPE",
      415,
      "send objects as application/taxii+json;version=2.1 (a TAXII envelope)",
    ),
  unprocessable: (message: string) => new LiaisonError("LIAISON_TAXII_UNPROCESSABLE", 422, message),
  collectionNotFound: () =>
    new LiaisonError("LIAISON_TAXII_COLLECTION_NOT_FOUND", 404, "no such collection, or not one you may use"),
  objectNotFound: () => new LiaisonError("LIAISON_TAXII_OBJECT_NOT_FOUND", 404, "no such object in this collection"),
  statusNotFound: () =>
    new LiaisonError("LIAISON_TAXII_STATUS_NOT_FOUND", 404, "no such status (status resources are kept 24 hours)"),
  notFound: (path: string) => new LiaisonError("LIAISON_TAXII_NOT_FOUND", 404, `no TAXII resource at ${path}`),
  authRequired: () =>
    new LiaisonError(
      "LIAISON_TAXII_AUTH_REQUIRED",
      401,
      "authenticate with HTTP Basic (a user of this node, or an API token as the password) or a bearer token",
    ),
};

export const COLLECTION_HIDDEN = {
  code: "LIAISON_TAXII_COLLECTION_NOT_FOUND",
  message: "no such collection, or not one you may use",
};
