import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApp } from "./app.ts";
import { staticRoutes } from "./static.ts";

async function appServing(root: string): Promise<App> {
  return buildApp({
    logger: pino({ level: "silent" }),
    bodyLimit: 1024,
    authenticate: async () => {
      throw new Error("no auth in this test");
    },
    routes: [(app) => void app.get("/api/v1/known", async () => ({ ok: true })), staticRoutes({ root })],
  });
}

describe("web app serving", () => {
  const root = mkdtempSync(join(tmpdir(), "liaison-web-"));
  let app: App;
  beforeAll(async () => {
    mkdirSync(join(root, "assets"));
    writeFileSync(join(root, "index.html"), "<!doctype html><title>app</title>");
    writeFileSync(join(root, "assets", "index-abc123.js"), "console.log(1)");
    writeFileSync(join(tmpdir(), "liaison-secret.txt"), "secret");
    app = await appServing(root);
  });
  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves index.html uncached at / and for client-side routes", async () => {
    for (const url of ["/", "/inbox", "/threads/0190-abc?x=1"]) {
      const response = await app.inject({ method: "GET", url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["content-type"]).toMatch(/text\/html/);
      expect(response.headers["cache-control"]).toBe("no-cache");
      expect(response.body).toContain("<title>app</title>");
    }
  });

  it("serves hashed assets with a year-long immutable cache", async () => {
    const response = await app.inject({ method: "GET", url: "/assets/index-abc123.js" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/javascript/);
    expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("keeps unknown API paths as problem+json 404 and API routes intact", async () => {
    const missing = await app.inject({ method: "GET", url: "/api/v1/nothing-here" });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(missing.json().code).toBe("LIAISON_NOT_FOUND");
    expect((await app.inject({ method: "GET", url: "/api/v1/known" })).json()).toEqual({ ok: true });
  });

  it("never serves a file outside the build folder", async () => {
    const response = await app.inject({ method: "GET", url: "/..%2fliaison-secret.txt" });
    expect(response.body).not.toContain("secret");
  });

  it("answers a malformed percent escape with a 400 problem, not a 500, built or not", async () => {
    const bare = await appServing(join(root, "missing"));
    for (const server of [app, bare]) {
      for (const url of ["/%E0%A4%A", "/assets/%", "/inbox%zz?x=1"]) {
        const response = await server.inject({ method: "GET", url });
        expect(response.statusCode, url).toBe(400);
        expect(response.headers["content-type"]).toMatch(/application\/problem\+json/);
        expect(response.json().code).toBe("LIAISON_REQUEST_BAD_PATH");
      }
    }
    await bare.close();
  });

  it("says how to build when web/dist is missing", async () => {
    const bare = await appServing(join(root, "missing"));
    const response = await bare.inject({ method: "GET", url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("npm run build:web");
    await bare.close();
  });
});
