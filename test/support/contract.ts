import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/**
 * Checks real responses against the OpenAPI document with ajv, a validator of its own: the route's serializer
 * (Zod, through fastify-type-provider-zod) is what is being checked, so it cannot be the judge. Used by the
 * test helpers that call the API (nodes.ts `api`), so every integration test is also a contract test.
 */
export interface OpenApiSchema {
  $ref?: string;
  [keyword: string]: unknown;
}
export interface OpenApiResponse {
  description?: string;
  content?: Record<string, { schema?: OpenApiSchema }>;
}
export interface OpenApiOperation {
  responses?: Record<string, OpenApiResponse>;
  [field: string]: unknown;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
}

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);

export function operationsOf(doc: OpenApiDocument) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

/** The success responses' schemas (any content type); a 204 needs none, since it has no body. */
export function successSchemasOf(operation: OpenApiOperation): { status: string; schema: OpenApiSchema | true }[] {
  return Object.entries(operation.responses ?? {}).flatMap(([status, response]) => {
    if (!/^2/.test(status)) return [];
    if (status === "204") return [{ status, schema: true as OpenApiSchema | true }];
    return Object.values(response.content ?? {}).flatMap((media) =>
      media.schema && Object.keys(media.schema).length > 0 ? [{ status, schema: media.schema }] : [],
    );
  });
}

export class ResponseContract {
  private readonly ajv: Ajv2020;
  private readonly routes: { method: string; pattern: RegExp; path: string; operation: OpenApiOperation }[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
    // Responses refer to shared components (the Problem) by "#/components/...": resolve them in the document.
    this.ajv.addSchema({ $id: "openapi", components: doc.components ?? {} });
    this.routes = operationsOf(doc).map(({ path, method, operation }) => ({
      method,
      path,
      operation,
      pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
    }));
  }

  /**
   * Throws when a 2xx JSON body does not match the schema the operation declares, or when the operation declares
   * none. Paths that are not operations of the document (hidden: health, the web app) are not checked.
   */
  check(method: string, url: string, status: number, contentType: string | undefined, body: unknown): void {
    if (status < 200 || status >= 300 || status === 204) return;
    if (!contentType?.startsWith("application/json")) return;
    const path = url.split("?")[0] as string;
    const candidates = this.routes.filter((r) => r.method === method.toLowerCase() && r.pattern.test(path));
    // A literal segment wins over a parameter (/threads/stats over /threads/{id}).
    const route = candidates.sort((a, b) => countParams(a.path) - countParams(b.path))[0];
    if (!route) return;
    const key = `${route.method} ${route.path} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const schema = route.operation.responses?.[String(status)]?.content?.["application/json"]?.schema;
      if (!schema)
        throw new Error(`contract: ${method} ${route.path} answered ${status} but declares no schema for it`);
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(key, validate);
    }
    const valid = validate;
    if (!valid(body)) {
      throw new Error(
        `contract: ${method} ${url} answered ${status} with a body its schema refuses: ${this.ajv.errorsText(valid.errors, { separator: "; " })}`,
      );
    }
  }
}

function countParams(path: string): number {
  return (path.match(/\{/g) ?? []).length;
}

/** Points the document's local references at the registered document. */
function rebase(schema: OpenApiSchema): OpenApiSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as OpenApiSchema;
}
