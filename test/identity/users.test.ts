import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { auditCount, createUser, login, STRONG_PASSWORD, uniqueName } from "./helpers.ts";

type UserList = { items: { id: string; username: string; status: string }[] };

describe("user administration", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "IN" });
  });
  afterAll(async () => node?.close());

  const cases: [string, Record<string, unknown>, number, string][] = [
    ["an unknown agency", { role: "analyst", agency: "in-nowhere" }, 400, "LIAISON_IDENTITY_UNKNOWN_AGENCY"],
    ["the other party's agency", { role: "analyst", agency: "ca-rcmp" }, 400, "LIAISON_IDENTITY_UNKNOWN_AGENCY"],
    ["an unknown role", { role: "superuser", agency: "in-ncb" }, 400, "LIAISON_IDENTITY_UNKNOWN_ROLE"],
    ["no agency for an officer", { role: "liaison-officer" }, 400, "LIAISON_IDENTITY_AGENCY_REQUIRED"],
    [
      "a lane the agency does not serve",
      { role: "analyst", agency: "in-ncb", lanes: ["cyber"] },
      400,
      "LIAISON_IDENTITY_UNKNOWN_LANE",
    ],
    [
      "a short password",
      { role: "analyst", agency: "in-ncb", password: "Sh0rt!" },
      400,
      "LIAISON_IDENTITY_WEAK_PASSWORD",
    ],
    [
      "a password of one class",
      { role: "analyst", agency: "in-ncb", password: "abcdefghijklmn" },
      400,
      "LIAISON_IDENTITY_WEAK_PASSWORD",
    ],
    ["a malformed username", { role: "analyst", agency: "in-ncb", username: "a b" }, 400, "LIAISON_REQUEST_INVALID"],
  ];
  it.each(cases)("refuses %s with a precise code and stores nothing", async (_label, fields, status, code) => {
    const username = (fields.username as string | undefined) ?? uniqueName("bad");
    const before = await node.api<UserList>("GET", "/api/v1/users");
    const auditedBefore = await auditCount(node, "user.create");
    const response = await node.api<{ code: string; detail: string }>("POST", "/api/v1/users", {
      password: STRONG_PASSWORD,
      ...fields,
      username,
    });
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    const after = await node.api<UserList>("GET", "/api/v1/users");
    expect(after.body.items.length).toBe(before.body.items.length);
    expect(await auditCount(node, "user.create")).toBe(auditedBefore);
    expect(after.body.items.some((u) => u.username === username)).toBe(false);
  });

  it("refuses a taken username", async () => {
    const user = await createUser(node);
    const again = await node.api<{ code: string }>("POST", "/api/v1/users", {
      username: user.username,
      role: "analyst",
      agency: "in-ncb",
      password: STRONG_PASSWORD,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("LIAISON_IDENTITY_USERNAME_TAKEN");
  });

  it("lets only administrators manage users", async () => {
    const officer = await createUser(node);
    const { body } = await login(node, officer.username, STRONG_PASSWORD);
    const list = await node.api<{ code: string }>("GET", "/api/v1/users", undefined, body.token);
    expect(list.status).toBe(403);
    expect(list.body.code).toBe("LIAISON_POLICY_DENIED");
    const create = await node.api<{ code: string }>(
      "POST",
      "/api/v1/users",
      { username: uniqueName("x"), role: "administrator", password: STRONG_PASSWORD },
      body.token,
    );
    expect(create.status).toBe(403);
  });

  it("lists users without password hashes, creates node-wide roles without an agency, and disables", async () => {
    const auditor = await createUser(node, { role: "auditor", agency: undefined });
    const list = await node.api<UserList>("GET", "/api/v1/users");
    expect(list.body.items.find((u) => u.id === auditor.id)).toMatchObject({ status: "active" });
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password/i);
    expect(await auditCount(node, "user.create", auditor.id)).toBe(1);

    const session = (await login(node, auditor.username, STRONG_PASSWORD)).body.token;
    const disabled = await node.api<{ status: string }>("POST", `/api/v1/users/${auditor.id}/disable`);
    expect(disabled.body.status).toBe("disabled");
    expect((await node.api("GET", "/api/v1/auth/me", undefined, session)).status).toBe(401);
    expect((await login(node, auditor.username, STRONG_PASSWORD)).status).toBe(401);
    const missing = await node.api<{ code: string }>(
      "POST",
      "/api/v1/users/01890000-0000-7000-8000-000000000000/disable",
    );
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("LIAISON_IDENTITY_USER_NOT_FOUND");
  });
});
