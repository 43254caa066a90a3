import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { createUser, login, STRONG_PASSWORD } from "./helpers.ts";

/** The browser's way in: the session cookie, with the CSRF token for anything that changes state. */
describe("cookie sessions and CSRF", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "CA" });
  });
  afterAll(async () => node?.close());

  async function browserSession() {
    const user = await createUser(node, { role: "liaison-officer", agency: "ca-cbsa" });
    const result = await login(node, user.username, STRONG_PASSWORD);
    expect(result.status).toBe(200);
    return {
      account: user,
      cookie: `liaison_session=${result.body.token}; liaison_csrf=${result.body.csrfToken}`,
      token: result.body.token,
      csrfToken: result.body.csrfToken,
    };
  }

  const send = (method: "GET" | "POST", url: string, headers: Record<string, string>, payload?: object) =>
    node.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  it("reads with the cookie alone", async () => {
    const { cookie, account } = await browserSession();
    const me = await send("GET", "/api/v1/auth/me", { cookie });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: account.id, agency: "ca-cbsa", authMethod: "session-cookie" });
  });

  it("refuses a state change by cookie without the CSRF header, and changes nothing", async () => {
    const { cookie, token } = await browserSession();
    const refused = await send("POST", "/api/v1/auth/logout", { cookie });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    expect(refused.json().code).toBe("LIAISON_AUTH_CSRF");
    const forged = await send("POST", "/api/v1/auth/logout", { cookie, "x-csrf-token": "forged-value" });
    expect(forged.statusCode).toBe(403);
    // The session survived both attempts.
    expect((await node.api("GET", "/api/v1/auth/me", undefined, token)).status).toBe(200);
  });

  it("accepts a state change by cookie with the CSRF header, and logout clears the cookies", async () => {
    const { cookie, csrfToken, token } = await browserSession();
    const out = await send("POST", "/api/v1/auth/logout", { cookie, "x-csrf-token": csrfToken });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === "liaison_session");
    expect(cleared?.value).toBe("");
    expect((await send("GET", "/api/v1/auth/me", { cookie })).statusCode).toBe(401);
    expect((await node.api("GET", "/api/v1/auth/me", undefined, token)).status).toBe(401);
  });

  it("does not take one session's CSRF token for another's", async () => {
    const a = await browserSession();
    const b = await browserSession();
    const crossed = await send("POST", "/api/v1/auth/logout", { cookie: a.cookie, "x-csrf-token": b.csrfToken });
    expect(crossed.statusCode).toBe(403);
    expect(crossed.json().code).toBe("LIAISON_AUTH_CSRF");
  });

  it("needs no CSRF token for a bearer request, and a bad bearer is not rescued by a good cookie", async () => {
    const { cookie, token } = await browserSession();
    const bearer = await send("POST", "/api/v1/auth/logout", { authorization: `Bearer ${token}` });
    expect(bearer.statusCode).toBe(204);
    const other = await browserSession();
    const mixed = await send("GET", "/api/v1/auth/me", { authorization: "Bearer lss_nonsense", cookie: other.cookie });
    expect(mixed.statusCode).toBe(401);
    expect(mixed.json().code).toBe("LIAISON_AUTH_INVALID_TOKEN");
    expect((await send("GET", "/api/v1/auth/me", { cookie })).statusCode).toBe(401);
  });
});
