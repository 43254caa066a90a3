import { existsSync, statSync } from "node:fs";
import { dirname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import { badRequest } from "../core/errors.ts";
import type { App } from "./app.ts";

/** Where `npm run build:web` (vite build web) puts the single-page app. */
export const WEB_DIST = resolve(dirname(fileURLToPath(import.meta.url)), "../../web/dist");

/** Paths that belong to the API: an unknown one must stay a problem+json 404, never the app's HTML. */
const API_PREFIXES = ["/api/", "/federation/", "/taxii", "/.well-known/"];

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Liaison</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5;color:#1f2933">
<h1>Liaison node</h1><p>The web app has not been built. Run <code>npm run build:web</code> and reload this page.</p>
<p>The API is running: see <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>`;

/** A path whose percent escapes do not decode (`/%E0%A4%A`) is the client's mistake: 400, not a 500. */
function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest("LIAISON_REQUEST_BAD_PATH", "the path has a malformed percent escape");
  }
}

/**
 * Serves the web app at `/`: hashed assets with a year-long immutable cache, index.html (never cached) for
 * every other non-API GET so client-side routes survive a reload. Register last: specific routes win anyway,
 * but the fallback must not shadow a module that registers after it.
 */
export function staticRoutes(options: { root?: string } = {}) {
  const root = options.root ?? WEB_DIST;
  return async (app: App) => {
    const built = existsSync(join(root, "index.html"));
    if (built) await app.register(fastifyStatic, { root, serve: false });

    app.get("/*", { schema: { hide: true } }, async (request, reply) => {
      const path = decodePath(request.url.split("?")[0] ?? "/");
      if (API_PREFIXES.some((prefix) => path.startsWith(prefix))) return reply.callNotFound();
      if (!built) return reply.type("text/html; charset=utf-8").send(NOT_BUILT);
      const file = normalize(join(root, path));
      if (path !== "/" && file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile()) {
        const immutable = path.startsWith("/assets/");
        reply.header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
        return reply.sendFile(file.slice(root.length + 1), root, { cacheControl: false });
      }
      reply.header("cache-control", "no-cache");
      return reply.sendFile("index.html", root, { cacheControl: false });
    });
  };
}
