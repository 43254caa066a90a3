import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notFound } from "../../src/core/errors.ts";
import { type App, buildApp } from "../../src/http/app.ts";
import { authorize, installAuthorizer } from "../../src/http/guards.ts";
import type { Principal } from "../../src/modules/identity/principal.ts";
import { AccessControl, type Denial } from "../../src/modules/policy/access.ts";
import { PolicyService } from "../../src/modules/policy/policy.service.ts";

const principals: Record<string, Principal> = {
  rcmp: { id: "u-rcmp", role: "analyst", party: "CA", agency: "ca-rcmp" },
  cbsa: { id: "u-cbsa", role: "analyst", party: "CA", agency: "ca-cbsa" },
};
const denials: Denial[] = [];
let app: App;

beforeAll(async () => {
  app = await buildApp({
    logger: pino({ level: "silent" }),
    bodyLimit: 1024,
    authenticate: async (request) => principals[String(request.headers["x-test-user"])] as Principal,
    routes: [
      installAuthorizer(
        new AccessControl({
          decisions: new PolicyService(),
          recordDenial: async (denial) => void denials.push(denial),
        }),
      ),
      (app) => {
        const thread = { type: "thread", id: "t-1", attributes: { party: "CA", agency: "ca-rcmp" } };
        const hidden = { hideExistence: { code: "LIAISON_TEST_THREAD_NOT_FOUND", message: "no thread with that id" } };
        app.get("/threads/t-1", { config: { auth: true } }, async (request) => {
          await authorize(request, "thread.read", thread, hidden);
          return { id: "t-1" };
        });
        app.get("/threads/missing", { config: { auth: true } }, async () => {
          throw notFound(hidden.hideExistence.code, hidden.hideExistence.message);
        });
        app.post("/threads/t-1/triage", { config: { auth: true } }, async (request) => {
          await authorize(request, "thread.triage", thread);
          return { ok: true };
        });
      },
    ],
  });
});
afterAll(() => app?.close());

const get = (url: string, user: string) => app.inject({ method: "GET", url, headers: { "x-test-user": user } });

describe("authorize (HTTP helper)", () => {
  it("lets the permitted caller through", async () => {
    expect((await get("/threads/t-1", "rcmp")).statusCode).toBe(200);
  });

  it("hides existence: a refused read looks exactly like a missing thread", async () => {
    const refused = await get("/threads/t-1", "cbsa");
    const missing = await get("/threads/missing", "cbsa");
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined, instance: undefined });
    expect(refused.statusCode).toBe(404);
    expect(strip(refused.json())).toEqual(strip(missing.json()));
    expect(refused.headers["content-type"]).toBe(missing.headers["content-type"]);
  });

  it("refuses with LIAISON_POLICY_DENIED and the reasons, and records the denial", async () => {
    const before = denials.length;
    const response = await app.inject({
      method: "POST",
      url: "/threads/t-1/triage",
      headers: { "x-test-user": "rcmp" },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      code: "LIAISON_POLICY_DENIED",
      reasons: [{ policy: "default-deny", text: expect.any(String) }],
    });
    expect(denials.length).toBe(before + 1);
    expect(denials.at(-1)).toMatchObject({
      action: "thread.triage",
      requestId: response.json().requestId,
      decision: { allowed: false, reasons: [{ policy: "default-deny" }] },
    });
  });
});
