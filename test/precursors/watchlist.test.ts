import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/core/ids.ts";
import { insertIncident } from "../../src/modules/precursors/precursors.repository.ts";
import { WatchlistService } from "../../src/modules/precursors/precursors.watchlist.service.ts";
import { createUser, login } from "../identity/helpers.ts";
import { auditedEvents, denialsOf } from "../policy/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/**
 * The watchlist on the one authorization path (policies/access/precursors-watchlist.cedar): only this party's
 * competent authority for precursors (NCB on the Indian node) reads or edits it; every refusal is audited and
 * changes nothing; a refused read of one entry looks exactly like a missing one; nothing of it is ever sent.
 */
let node: TestNode;
let watchlist: WatchlistService;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

async function user(name: string, role: string, agency?: string) {
  const created = await createUser(node, { role, ...(agency ? { agency } : {}) });
  tokens[name] = (await login(node, created.username, created.password)).body.token;
  ids[name] = created.id;
}

const rows = async () =>
  Number(
    (
      await node.deps.database.db
        .selectFrom("precursors_watchlist")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
const outbox = async () =>
  Number(
    (
      await node.deps.database.db
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  node = await startTestNode({ party: "IN", listen: false });
  watchlist = node.deps.precursors.watchlist;
  await user("officer", "liaison-officer", "in-ncb");
  await user("analyst", "analyst", "in-ncb");
  await user("approver", "approver", "in-ncb");
  // Liaison officers, but not of the competent authority: the MHA and the CBI do not run precursor control.
  await user("mhaOfficer", "liaison-officer", "in-mha");
  await user("auditor", "auditor");
}, 180_000);
afterAll(async () => node?.close());

describe("the precursors watchlist", () => {
  it("an NCB officer adds a company; a notification naming it another way is flagged with the reason", async () => {
    const sent = await outbox();
    const added = await node.api<{ id: string; normalised: string }>(
      "POST",
      "/api/v1/precursors/watchlist",
      { kind: "company", text: "Sunrise Fine Chemicals Pvt. Ltd.", reason: "seizure at Nhava Sheva, March 2026" },
      tokens.officer,
    );
    expect(added.status).toBe(201);
    expect(added.body.normalised).toBe("sunrise fine chem");
    await node.api(
      "POST",
      "/api/v1/precursors/watchlist",
      {
        kind: "address",
        text: "Plot 14, MIDC Road, Tarapur",
        reason: "clandestine laboratory",
      },
      tokens.analyst,
    );

    const flags = await watchlist.flagsFor([
      { name: "SUNRISE FINE CHEM PVT LTD", address: "Plot 14 MIDC Rd, Tarapur", role: "exporter" },
      { name: "Unrelated Traders", role: "importer" },
    ]);
    expect(flags).toMatchObject([
      {
        subject: 0,
        role: "exporter",
        matched: "name",
        entry: { id: added.body.id, reason: "seizure at Nhava Sheva, March 2026" },
        score: 1,
      },
      { subject: 0, matched: "address", entry: { kind: "address", reason: "clandestine laboratory" } },
    ]);
    // The live check the form uses answers the same, to a reader of the watchlist.
    const checked = await node.api<{ flags: unknown[] }>(
      "POST",
      "/api/v1/precursors/watchlist/check",
      { subjects: [{ name: "Sunrise Fine Chemicals" }] },
      tokens.approver,
    );
    expect(checked.status).toBe(200);
    expect(checked.body.flags).toHaveLength(1);
    // Local only: editing the watchlist queued nothing for the peer.
    expect(await outbox()).toBe(sent);
    const audited = await auditedEvents(node, "precursor.watchlist.add", ids.officer);
    expect(audited).toMatchObject([{ subject: added.body.id, outcome: "success", details: { kind: "company" } }]);
    // The audit record names the entry, not whom the authority watches.
    expect(JSON.stringify(audited)).not.toContain("Sunrise");
  });

  it("lists and searches by the folded name, pages by cursor, and forgets a removed entry", async () => {
    for (const text of ["Zenith Pharmaceuticals Private Limited", "Zenith Agro Exports", "Apex Labs"]) {
      await node.api("POST", "/api/v1/precursors/watchlist", { kind: "company", text, reason: "r" }, tokens.analyst);
    }
    const found = await node.api<{ items: { text: string }[]; nextCursor: string | null }>(
      "GET",
      "/api/v1/precursors/watchlist?q=ZENITH%20PHARMA%20LTD&kind=company",
      undefined,
      tokens.officer,
    );
    expect(found.body.items.map((i) => i.text)).toEqual(["Zenith Pharmaceuticals Private Limited"]);
    const first = await node.api<{ items: { id: string }[]; nextCursor: string | null; watched: number }>(
      "GET",
      "/api/v1/precursors/watchlist?limit=2",
      undefined,
      tokens.officer,
    );
    expect(first.body.items).toHaveLength(2);
    expect(first.body.watched).toBe(5);
    const second = await node.api<{ items: { id: string }[] }>(
      "GET",
      `/api/v1/precursors/watchlist?limit=2&cursor=${first.body.nextCursor}`,
      undefined,
      tokens.officer,
    );
    expect(second.body.items.map((i) => i.id)).not.toContain(first.body.items[0]?.id);

    const apex = (
      await node.api<{ items: { id: string }[] }>(
        "GET",
        "/api/v1/precursors/watchlist?q=apex",
        undefined,
        tokens.officer,
      )
    ).body.items[0]?.id as string;
    expect(await watchlist.flagsFor([{ name: "APEX LABORATORIES" }])).toHaveLength(1);
    expect((await node.api("DELETE", `/api/v1/precursors/watchlist/${apex}`, undefined, tokens.officer)).status).toBe(
      204,
    );
    expect(await watchlist.flagsFor([{ name: "APEX LABORATORIES" }])).toEqual([]);
    const kept = await node.api<{ removedBy: string }>(
      "GET",
      `/api/v1/precursors/watchlist/${apex}`,
      undefined,
      tokens.officer,
    );
    expect(kept.body.removedBy).toBe(ids.officer);
    // Removed once: a second removal finds no live entry.
    expect((await node.api("DELETE", `/api/v1/precursors/watchlist/${apex}`, undefined, tokens.officer)).status).toBe(
      404,
    );
  });

  it("another process on the same database catches up with the edits on refresh", async () => {
    const other = new WatchlistService({
      db: node.deps.database.db,
      clock: node.deps.clock,
      party: "IN",
      changes: node.deps.changes,
      policy: node.deps.access,
    });
    await other.start();
    expect(other.size).toBe(watchlist.size);
    const added = await node.api<{ id: string }>(
      "POST",
      "/api/v1/precursors/watchlist",
      { kind: "person", text: "Rohit Sharma", reason: "courier" },
      tokens.officer,
    );
    expect(await other.flagsFor([{ name: "SHARMA Rohit", naturalPerson: true }])).toEqual([]);
    await other.refresh();
    expect(await other.flagsFor([{ name: "SHARMA Rohit", naturalPerson: true }])).toMatchObject([
      { entry: { id: added.body.id, kind: "person" } },
    ]);
    await node.api("DELETE", `/api/v1/precursors/watchlist/${added.body.id}`, undefined, tokens.officer);
    await other.refresh();
    expect(await other.flagsFor([{ name: "Rohit Sharma", naturalPerson: true }])).toEqual([]);
    expect(other.size).toBe(watchlist.size);
  });

  it("holds the companies, people and addresses named in earlier incidents, from the next refresh", async () => {
    const id = uuidv7();
    await insertIncident(node.deps.database.db, {
      id,
      direction: "inbound",
      from_party: "CA",
      to_party: "IN",
      from_agency: "ca-cbsa",
      to_agency: "in-ncb",
      kind: "seizure",
      notification_id: null,
      substances: [{ cas: "79-03-8" }],
      occurred_on: "2026-05-04",
      place: "Port of Vancouver",
      modus_operandi: null,
      entities: [
        { type: "organisation", name: "Maple Northern Logistics Inc." },
        { type: "person", name: "Arjun Mehta" },
        { type: "address", lines: ["77 Harbour Road", "Delta BC"], country: "CA" },
        { type: "phone", number: "+16045550100" },
      ],
      summary: "x",
      legal_bases: ["UN-1988-ART12"],
      tlp: "TLP:AMBER",
      permitted_use: ["H0"],
      sent_by: "someone",
      envelope_id: uuidv7(),
      created_at: new Date(),
    });
    const size = watchlist.size;
    await watchlist.refresh();
    expect(watchlist.size).toBe(size + 3);
    const flags = await watchlist.flagsFor([
      { name: "MAPLE NORTHERN LOGISTICS", address: "77 Harbour Rd, Delta BC" },
      { name: "Mehta Arjun", naturalPerson: true },
    ]);
    expect(flags.map((f) => [f.subject, f.matched, f.entry.id])).toEqual([
      [0, "name", `incident:${id}:0`],
      [0, "address", `incident:${id}:2`],
      [1, "name", `incident:${id}:1`],
    ]);
    expect(flags[0]?.entry.reason).toBe(`named in the seizure incident of 2026-05-04 (${id})`);
    // A restart loads them with the rest.
    await watchlist.start();
    expect(watchlist.size).toBe(size + 3);
  });
});

describe("who may not", () => {
  const entry = { kind: "company", text: "Crescent Organics", reason: "attacker's try" };

  it.each([
    { who: "mhaOfficer", method: "GET", path: "/api/v1/precursors/watchlist", action: "precursor.watchlist.read" },
    { who: "admin", method: "GET", path: "/api/v1/precursors/watchlist", action: "precursor.watchlist.read" },
    { who: "auditor", method: "GET", path: "/api/v1/precursors/watchlist", action: "precursor.watchlist.read" },
    {
      who: "mhaOfficer",
      method: "POST",
      path: "/api/v1/precursors/watchlist",
      body: entry,
      action: "precursor.watchlist.edit",
    },
    {
      who: "approver",
      method: "POST",
      path: "/api/v1/precursors/watchlist",
      body: entry,
      action: "precursor.watchlist.edit",
    },
    {
      who: "admin",
      method: "POST",
      path: "/api/v1/precursors/watchlist",
      body: entry,
      action: "precursor.watchlist.edit",
    },
    {
      who: "mhaOfficer",
      method: "POST",
      path: "/api/v1/precursors/watchlist/check",
      body: { subjects: [{ name: "Sunrise Fine Chem" }] },
      action: "precursor.watchlist.read",
    },
  ])("$who: $method $path is refused (403), audited with the request id, nothing stored", async (c) => {
    const before = await rows();
    const response = await node.app.inject({
      method: c.method as "POST",
      url: c.path,
      headers: { authorization: `Bearer ${c.who === "admin" ? node.adminToken : tokens[c.who]}` },
      ...(c.body ? { payload: c.body } : {}),
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const problem = response.json() as { code: string; requestId: string };
    expect(problem.code).toBe("LIAISON_POLICY_DENIED");
    expect(await denialsOf(node, problem.requestId)).toMatchObject([{ action: c.action, outcome: "denied" }]);
    expect(await rows()).toBe(before);
    // A refused check says nothing about who is watched.
    expect(response.body).not.toContain("Sunrise");
  });

  it("reading or removing an entry without the right looks exactly like a missing entry, and is audited", async () => {
    const added = await node.api<{ id: string }>(
      "POST",
      "/api/v1/precursors/watchlist",
      { kind: "company", text: "Lotus Bulk Intermediates", reason: "diversion attempt" },
      tokens.officer,
    );
    const missing = "01900000-0000-7000-8000-000000000000";
    for (const method of ["GET", "DELETE"] as const) {
      const refused = await node.app.inject({
        method,
        url: `/api/v1/precursors/watchlist/${added.body.id}`,
        headers: { authorization: `Bearer ${tokens.mhaOfficer}` },
      });
      const absent = await node.app.inject({
        method,
        url: `/api/v1/precursors/watchlist/${missing}`,
        headers: { authorization: `Bearer ${tokens.mhaOfficer}` },
      });
      expect(refused.statusCode).toBe(404);
      const [a, b] = [refused.json(), absent.json()] as { code: string; detail: string; requestId: string }[];
      expect({ code: a?.code, detail: a?.detail }).toEqual({ code: b?.code, detail: b?.detail });
      expect(a?.code).toBe("LIAISON_PRECURSORS_WATCHLIST_ENTRY_NOT_FOUND");
      expect(await denialsOf(node, a?.requestId as string)).toHaveLength(1);
    }
    // Still there, still matched.
    expect(await watchlist.flagsFor([{ name: "Lotus Bulk Intermediates" }])).toHaveLength(1);
  });

  it("refuses a request without a session, and a body with fields the schema does not name", async () => {
    const anonymous = await node.app.inject({ method: "GET", url: "/api/v1/precursors/watchlist" });
    expect(anonymous.statusCode).toBe(401);
    const extra = await node.api<{ code: string }>(
      "POST",
      "/api/v1/precursors/watchlist",
      { ...entry, addedBy: "someone-else" },
      tokens.officer,
    );
    expect(extra.status).toBe(400);
    expect(extra.body.code).toBe("LIAISON_REQUEST_INVALID");
  });
});
