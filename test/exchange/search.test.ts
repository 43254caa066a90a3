import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import { type Actor, actor, newThread, type Thread } from "./helpers.ts";

type Hit = { id: string; threadId: string; tlp: string };

describe("exchange search never leaks", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let inOfficer: Actor;
  const ca: Record<string, Actor> = {};
  const word = `zq${Math.random().toString(36).slice(2, 9)}`;
  const sent: Record<string, string> = {};
  const threads: Record<string, string> = {};

  beforeAll(async () => {
    nodes = await startTwoNodes();
    inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    ca.rcmpOfficer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
    ca.rcmpAnalyst = await actor(nodes.canada, "analyst", "ca-rcmp");
    ca.cbsaNamed = await actor(nodes.canada, "analyst", "ca-cbsa");
    ca.cbsaOther = await actor(nodes.canada, "analyst", "ca-cbsa");
    ca.fintrac = await actor(nodes.canada, "analyst", "ca-fintrac");
    const send = async (name: string, toAgency: string, message: Record<string, unknown>) => {
      const r = await nodes.india.api<Thread>(
        "POST",
        "/api/v1/threads",
        newThread({ toAgency }, { kind: "disclosure", text: `Shipment ${word} via Mundra port (${name})`, ...message }),
        inOfficer.token,
      );
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
      sent[name] = r.body.messages[0]?.id as string;
      threads[name] = r.body.id;
      return r.body;
    };
    await send("red", "ca-cbsa", { tlp: "TLP:RED", recipients: [ca.cbsaNamed?.username] });
    await send("strict", "ca-cbsa", { tlp: "TLP:AMBER+STRICT" });
    await send("amber", "ca-rcmp", { tlp: "TLP:AMBER" });
    await send("green", "ca-rcmp", { tlp: "TLP:GREEN" });
    const withdrawn = await send("withdrawn", "ca-rcmp", { tlp: "TLP:GREEN" });
    await eventually(async () => {
      const n = await nodes.canada.deps.database.db
        .selectFrom("exchange_messages")
        .select((eb) => eb.fn.countAll<number>().as("c"))
        .where("id", "in", Object.values(sent))
        .executeTakeFirstOrThrow();
      return Number(n.c) === 5;
    });
    await nodes.india.api(
      "POST",
      `/api/v1/threads/${withdrawn.id}/messages`,
      { kind: "withdrawal", refersTo: sent.withdrawn },
      inOfficer.token,
    );
    await eventually(async () => {
      const m = await nodes.canada.deps.database.db
        .selectFrom("exchange_messages")
        .select("withdrawn_at")
        .where("id", "=", sent.withdrawn as string)
        .executeTakeFirst();
      return m?.withdrawn_at;
    });
  }, 120_000);
  afterAll(async () => nodes?.close());

  const search = async (who: Actor, query = "") => {
    const r = await nodes.canada.api<{ items: Hit[] }>(
      "GET",
      `/api/v1/exchange/search?q=${word}${query}`,
      undefined,
      who.token,
    );
    expect(r.status).toBe(200);
    const names = Object.entries(sent);
    return r.body.items.map((h) => names.find(([, id]) => id === h.id)?.[0]).sort();
  };

  it.each([
    ["rcmpOfficer", ["amber", "green"]],
    ["rcmpAnalyst", ["amber", "green"]],
    ["cbsaNamed", ["red", "strict"]],
    ["cbsaOther", ["strict"]],
    ["fintrac", []],
  ])("%s finds only what it may read", async (who, expected) => {
    expect(await search(ca[who] as Actor)).toEqual(expected);
  });

  it("the administrator (no agency) may not search; withdrawn is never found", async () => {
    const admin = await nodes.canada.api<{ code: string }>("GET", `/api/v1/exchange/search?q=${word}`);
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe("LIAISON_EXCHANGE_NO_AGENCY");
    for (const who of Object.values(ca)) expect(await search(who)).not.toContain("withdrawn");
  });

  it("the thread view shows a message to exactly those whom search shows it", async () => {
    for (const name of ["red", "strict", "amber", "green"]) {
      for (const who of Object.values(ca)) {
        const view = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${threads[name]}`, undefined, who.token);
        const shown = view.status === 200 && view.body.messages.some((m) => m.id === sent[name] && m.text);
        expect(shown, `${name} for ${who.username}`).toBe((await search(who)).includes(name));
      }
    }
  });

  it("filters by TLP and lane", async () => {
    const officer = ca.rcmpOfficer as Actor;
    expect(await search(officer, "&tlp=TLP:GREEN")).toEqual(["green"]);
    expect(await search(officer, "&lane=cyber")).toEqual([]);
  });

  it("the sender finds its own messages; the withdrawn one is erased on both nodes (exchange.erasure.ts)", async () => {
    const r = await nodes.india.api<{ items: Hit[] }>(
      "GET",
      `/api/v1/exchange/search?q=${word}`,
      undefined,
      inOfficer.token,
    );
    expect(r.body.items).toHaveLength(4);
    expect(r.body.items.map((h) => h.id)).not.toContain(sent.withdrawn);
  });

  it("stats count the requests per lane and priority", async () => {
    const r = await nodes.india.api<{ items: { lane: string; priority: string; requests: { sent: number } }[] }>(
      "GET",
      "/api/v1/exchange/stats",
      undefined,
      inOfficer.token,
    );
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.items)).toBe(true);
  });
});
