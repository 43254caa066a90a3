import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyRequest, LogController } from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { uuidv7 } from "../core/ids.ts";
import type { Principal } from "../modules/identity/principal.ts";
import { withCommonProblems } from "./problem.schema.ts";
import { sendProblem } from "./problem.ts";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export type App = FastifyInstance<
  import("node:http").Server,
  import("node:http").IncomingMessage,
  import("node:http").ServerResponse,
  Logger,
  ZodTypeProvider
>;

/** Registers some of a module's routes on the app. */
export type RouteRegistration = (app: App) => Promise<void> | void;

export interface AppOptions {
  logger: Logger;
  bodyLimit: number;
  authenticate(request: FastifyRequest): Promise<Principal>;
  /** Each registers its module's routes on the app. */
  routes: RouteRegistration[];
  https?: { cert: Buffer; key: Buffer; ca?: Buffer } | undefined;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR ranges). request.ip is then the client
   * the proxy names, so per-client limits see clients and not the proxy; anyone else's header is ignored.
   */
  trustedProxies?: readonly string[] | undefined;
}

/**
 * The HTTP face of a node, built separately from listen() so tests can inject requests. Validation comes from
 * the Zod schemas (which also produce the OpenAPI document); every error leaves as problem+json.
 */
export async function buildApp(options: AppOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustedProxies?.length ? [...options.trustedProxies] : false,
    // Errors the framework raises before routing (a path whose escapes do not decode, a bad content type)
    // leave as problem+json like every other error, not as Fastify's own JSON.
    frameworkErrors: (error, request, reply) => {
      sendProblem(reply, request, error);
    },
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.-]{1,64}$/.test(given) ? given : uuidv7();
    },
    // Requests are logged once, on completion, by the onResponse hook below (errors always, the rest at debug).
    logController: new LogController({ requestIdLogLabel: "requestId", disableRequestLogging: true }),
    ...(options.https
      ? {
          https: {
            cert: options.https.cert,
            key: options.https.key,
            ...(options.https.ca ? { ca: options.https.ca, requestCert: true, rejectUnauthorized: true } : {}),
          },
        }
      : {}),
  }).withTypeProvider<ZodTypeProvider>() as unknown as App;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendProblem(reply, request, error));
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type("application/problem+json")
      .send({
        type: "https://liaison.dev/problems/LIAISON_NOT_FOUND",
        title: "LIAISON_NOT_FOUND",
        status: 404,
        detail: `no route ${request.method} ${request.url.split("?")[0]}`,
        code: "LIAISON_NOT_FOUND",
        requestId: String(request.id),
        instance: request.url,
      }),
  );
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", String(request.id));
  });
  app.addHook("onResponse", async (request, reply) => {
    if (reply.statusCode >= 400 || request.log.level === "debug") {
      request.log.info(
        { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
        "request",
      );
    }
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
  });
  // Every documented route also documents the errors all routes share, as the one Problem schema. Added before
  // swagger collects the routes, so the OpenAPI document shows them.
  app.addHook("onRoute", (route) => {
    if (route.schema && !route.schema.hide) route.schema = withCommonProblems(route.schema, route.config);
  });
  // Login sessions travel in an HTTP-only cookie (src/modules/identity/authenticators.ts checks its CSRF token).
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema 2020-12, so any JSON Schema validator checks answers against them
      // (test/support/contract.ts does, with ajv).
      openapi: "3.1.0",
      info: { title: "Liaison node API", version: "1" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    transform: jsonSchemaTransform,
    // Puts the schemas registered with an id (the Problem) into components.schemas, where responses refer to it.
    transformObject: jsonSchemaTransformObject,
  });

  // Authenticated routes declare `config: { auth: true }`; the principal is then on request.principal.
  app.addHook("preHandler", async (request) => {
    const config = request.routeOptions.config as { auth?: boolean } | undefined;
    if (config?.auth) request.principal = await options.authenticate(request);
  });

  for (const register of options.routes) await register(app);

  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: boolean;
    /** The route documents its own error responses in a format of its own (TAXII), not problem+json. */
    ownErrors?: boolean;
  }
}
