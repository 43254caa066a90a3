import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, login, STRONG_PASSWORD } from "../identity/helpers.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";

type Entry = {
  userId: string;
  party: string;
  username: string;
  displayName: string;
  role: string;
  agency: string | null;
  lanes: string[];
};
type Agencies = {
  lanes: Record<string, string>;
  parties: { code: string; agencies: { id: string; party: string; lanes: string[]; acaDirections: boolean }[] }[];
};

describe("directory of both parties", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  beforeAll(async () => {
    nodes = await startTwoNodes();
  });
  afterAll(async () => nodes?.close());

  it("lists both parties' agencies with lanes and the mistreatment-risk directions flag", async () => {
    const { status, body } = await nodes.india.api<Agencies>("GET", "/api/v1/directory/agencies");
    expect(status).toBe(200);
    expect(body.parties.map((p) => p.code)).toEqual(["IN", "CA"]);
    const all = body.parties.flatMap((p) => p.agencies);
    expect(all.find((a) => a.id === "ca-rcmp")).toMatchObject({ party: "CA", acaDirections: true });
    expect(all.find((a) => a.id === "in-ncb")).toMatchObject({ party: "IN", acaDirections: false });
    expect(Object.keys(body.lanes)).toContain("drugs");
  });

  it("replicates an officer to the peer with public fields only, and the peer's officers see whom to route to", async () => {
    const officer = await createUser(nodes.india, { role: "liaison-officer", agency: "in-ncb" });
    const entry = await eventually(async () => {
      const list = await nodes.canada.api<{ items: Entry[] }>("GET", "/api/v1/directory/users?agency=in-ncb");
      return list.body.items.find((e) => e.userId === officer.id);
    });
    expect(entry).toMatchObject({
      party: "IN",
      username: officer.username,
      role: "liaison-officer",
      agency: "in-ncb",
      lanes: ["drugs", "organised-crime"],
    });
    expect(JSON.stringify(entry)).not.toMatch(/scrypt|password/i);

    // A Canadian officer, logged in, finds the Indian drugs-lane contact.
    const rcmp = await createUser(nodes.canada, { role: "liaison-officer", agency: "ca-rcmp" });
    const token = (await login(nodes.canada, rcmp.username, STRONG_PASSWORD)).body.token;
    const drugs = await nodes.canada.api<{ items: Entry[] }>(
      "GET",
      "/api/v1/directory/users?lane=drugs&party=IN",
      undefined,
      token,
    );
    expect(drugs.body.items.map((e) => e.userId)).toContain(officer.id);
    const cyber = await nodes.canada.api<{ items: Entry[] }>("GET", "/api/v1/directory/users?lane=cyber&party=IN");
    expect(cyber.body.items.map((e) => e.userId)).not.toContain(officer.id);
    // Local entries are listed too.
    const local = await nodes.canada.api<{ items: Entry[] }>("GET", "/api/v1/directory/users?agency=ca-rcmp");
    expect(local.body.items.map((e) => e.userId)).toContain(rcmp.id);
  });

  it("does not publish internal roles", async () => {
    const approver = await createUser(nodes.india, { role: "approver", agency: "in-ncb" });
    const analyst = await createUser(nodes.india, { role: "analyst", agency: "in-ncb" });
    await eventually(async () => {
      const list = await nodes.canada.api<{ items: Entry[] }>("GET", "/api/v1/directory/users?agency=in-ncb");
      return list.body.items.some((e) => e.userId === analyst.id);
    });
    const list = await nodes.canada.api<{ items: Entry[] }>("GET", "/api/v1/directory/users");
    expect(list.body.items.map((e) => e.userId)).not.toContain(approver.id);
  });

  it("removes a disabled officer from the peer's directory", async () => {
    const officer = await createUser(nodes.canada, { role: "liaison-officer", agency: "ca-cbsa" });
    await eventually(async () => {
      const list = await nodes.india.api<{ items: Entry[] }>("GET", "/api/v1/directory/users?agency=ca-cbsa");
      return list.body.items.some((e) => e.userId === officer.id);
    });
    expect((await nodes.canada.api("POST", `/api/v1/users/${officer.id}/disable`)).status).toBe(200);
    await eventually(async () => {
      const list = await nodes.india.api<{ items: Entry[] }>("GET", "/api/v1/directory/users?agency=ca-cbsa");
      return !list.body.items.some((e) => e.userId === officer.id);
    });
  });

  it("refuses entries a party sends for the other party's users, and stores none", async () => {
    const forged = {
      userId: "01890000-0000-7000-8000-00000000abcd",
      party: "CA",
      username: "forged.officer",
      displayName: "Forged",
      role: "liaison-officer",
      agency: "ca-rcmp",
      lanes: ["drugs"],
      active: true,
      version: 1,
    };
    const sealed = await nodes.india.deps.federation.prepare("CA", "directory.entries", { entries: [forged] });
    await nodes.india.deps.changes.run(async (change) => {
      change.send(sealed);
      change.audit({ actor: "test", action: "test.forge", outcome: "success" });
    });
    const error = await eventually(async () => {
      const row = await nodes.india.deps.database.db
        .selectFrom("outbox")
        .select(["last_error_code"])
        .where("envelope_id", "=", sealed.envelopeId)
        .executeTakeFirst();
      return row?.last_error_code ?? undefined;
    });
    expect(error).toBe("LIAISON_DIRECTORY_FOREIGN_ENTRY");
    const list = await nodes.canada.api<{ items: Entry[] }>("GET", "/api/v1/directory/users");
    expect(list.body.items.map((e) => e.userId)).not.toContain(forged.userId);
  });

  it("republishes every local entry on request, idempotently", async () => {
    const analyst = await createUser(nodes.canada, { role: "analyst", agency: "ca-rcmp" });
    const published = await nodes.canada.api<{ entries: number; envelopes: number }>(
      "POST",
      "/api/v1/directory/publish",
    );
    expect(published.status).toBe(200);
    expect(published.body.envelopes).toBeGreaterThan(0);
    await eventually(async () => {
      const list = await nodes.india.api<{ items: Entry[] }>("GET", "/api/v1/directory/users?party=CA");
      return list.body.items.filter((e) => e.userId === analyst.id).length === 1;
    });
  });
});
