import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/core/ids.ts";
import {
  type ExchangeMessagesTable,
  type ExchangeThreadsTable,
  insertMessage,
  insertThread,
} from "../../src/modules/exchange/exchange.repository.ts";
import { SearchQuery } from "../../src/modules/exchange/exchange.schema.ts";
import {
  SEARCH_BUDGET,
  type SearchBudget,
  type SearchPage,
  searchMessages,
} from "../../src/modules/exchange/exchange.search.ts";
import { canRead, readScopeOf } from "../../src/modules/exchange/exchange.visibility.ts";
import type { Principal } from "../../src/modules/identity/principal.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { type Actor, actor } from "./helpers.ts";

/**
 * The orders docs/exchange.md (Search) promises, through every step of the search budget: newest first, paged
 * with `before`, complete and without duplicates across pages; relevance among the newest matches; and never a
 * message the reader may not see. Messages are written straight into one node's tables (real SQL, on PGlite and
 * PostgreSQL) so their times, words and caveats are known; the two-node flows are in search.test.ts.
 */

const N = 60;
const BASE = Date.UTC(2026, 10, 1, 9, 0, 0);
/** Message i, written i minutes after BASE. Its words are chosen so each query meets a different step. */
function wordsOf(i: number): string[] {
  const words = ["alpha", `seq${i}`];
  if (i % 3 === 0) words.push("beta");
  if (i < 20) words.push("gamma"); // common once, then no more: the walk from the newest finds none
  if (i === 7 || i === 50) words.push("delta"); // rare
  if (i === 4) words.push("alpha", "alpha", "alpha"); // the best match for alpha, and an old one
  return words;
}

/** Ten messages written in one millisecond, after all the others: more than the tiny budgets below read. */
const BURST = 10;
const BURST_AT = BASE + 2 * N * 60_000;

/** A UUIDv7 of the given millisecond, as nodes make them (core/ids.ts), whatever the clock says now. */
function uuidAt(ms: number, seq: number): string {
  const time = ms.toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7000-8000-${seq.toString(16).padStart(12, "0")}`;
}

type Row = { message: ExchangeMessagesTable; thread: ExchangeThreadsTable; words: string[] };

describe("exchange search order, paging and budget", () => {
  let node: TestNode;
  let officerActor: Actor;
  let officer: Principal;
  let analyst: Principal;
  const rows: Row[] = [];
  const threads: ExchangeThreadsTable[] = [];

  beforeAll(async () => {
    node = await startTestNode({ party: "CA" });
    officerActor = await actor(node, "liaison-officer", "ca-rcmp");
    const analystActor = await actor(node, "analyst", "ca-cbsa");
    officer = {
      id: officerActor.id,
      username: officerActor.username,
      role: "liaison-officer",
      party: "CA",
      agency: "ca-rcmp",
    };
    analyst = { id: analystActor.id, username: analystActor.username, role: "analyst", party: "CA", agency: "ca-cbsa" };
    const db = node.deps.database.db;
    const thread = (direction: "inbound" | "outbound", lane: string, from: string, to: string) => ({
      id: uuidv7(BASE - 60_000),
      lane,
      subject: `Order test ${lane}`,
      direction,
      peer_party: "IN",
      from_agency: from,
      to_agency: to,
      assigned_agency: null,
      assignee: null,
      priority: "routine",
      started_at: new Date(BASE),
      acknowledge_by: null,
      respond_by: null,
      acknowledged_at: null,
      responded_at: null,
      created_by: null,
      created_at: new Date(BASE),
      last_message_at: new Date(BASE),
    });
    // To the analyst's agency, to another agency, and sent by the officer's agency.
    threads.push(thread("inbound", "drugs", "in-ncb", "ca-cbsa"));
    threads.push(thread("inbound", "cyber", "in-ncb", "ca-fintrac"));
    threads.push(thread("outbound", "fraud-immigration", "ca-rcmp", "in-ncb"));
    for (const t of threads) await insertThread(db, t);
    for (let i = 0; i < N + BURST; i++) {
      const burst = i >= N;
      const t = threads[burst ? 0 : i % 3] as ExchangeThreadsTable;
      const words = burst ? ["burst", `seq${i}`] : wordsOf(i);
      const at = burst ? BURST_AT : BASE + i * 60_000;
      const tlp = burst ? "TLP:AMBER" : i % 5 === 0 ? "TLP:RED" : i % 5 === 1 ? "TLP:AMBER+STRICT" : "TLP:AMBER";
      const message: ExchangeMessagesTable = {
        id: uuidAt(at, i),
        thread_id: t.id,
        envelope_id: null,
        direction: t.direction,
        kind: "disclosure",
        status: t.direction === "inbound" ? "received" : "sent",
        text: words.join(" "),
        search_text: words.join(" "),
        entities: [],
        tlp,
        permitted_use: ["H0"],
        handling_note: null,
        legal_bases: [],
        personal_data: false,
        data_subjects: [],
        grading: null,
        retention_until: null,
        priority: "routine",
        from_agency: t.from_agency,
        to_agency: t.to_agency,
        sent_by: t.direction === "outbound" ? officer.id : "in.sender",
        recipients: tlp === "TLP:RED" ? [analyst.username] : [],
        response_type: null,
        refusal_reason: null,
        refers_to: null,
        consent_granted: null,
        onward_recipient: null,
        decision: null,
        approval_id: null,
        withdrawn_at: i === 33 ? new Date(BASE + N * 60_000) : null,
        withdrawal_confirmed_at: null,
        created_at: new Date(at),
      };
      await insertMessage(db, message);
      rows.push({ message, thread: t, words });
    }
  }, 120_000);
  afterAll(async () => node?.close());

  /** The rules as Cedar decides them (exchange.visibility.ts): the thread and the message readable. */
  function readable(principal: Principal, row: Row): boolean {
    return canRead(node.deps.access, principal, principal.party, row.message, row.thread);
  }
  const scope = (principal: Principal) => readScopeOf(node.deps.access, principal, principal.party);
  /** Newest first: every message with all the words (websearch AND), readable, passing the filter. */
  function expected(principal: Principal, words: string[], filter: (row: Row) => boolean = () => true): string[] {
    return rows
      .filter((row) => words.every((w) => row.words.includes(w)) && readable(principal, row) && filter(row))
      .map((row) => row.message.id)
      .sort()
      .reverse();
  }
  const parse = (query: Record<string, unknown>) => SearchQuery.parse(query);

  /** Every page of a newest-first search, following `next`. */
  async function allPages(principal: Principal, query: Record<string, unknown>, budget: SearchBudget) {
    const pages: SearchPage[] = [];
    let before: string | undefined;
    do {
      const page = await searchMessages(node.deps.database.db, scope(principal), parse({ ...query, before }), budget);
      pages.push(page);
      before = page.next ?? undefined;
      expect(pages.length, "paging must end").toBeLessThanOrEqual(N + BURST + 2);
    } while (before);
    return pages;
  }

  // Each budget sends the searches through a different path (exchange.search.ts): the index alone; the walk of
  // recent messages reaching the oldest; the index failing, then the walk; the walk, then the index; the walk
  // stopping short (partial pages), with the index failing after it, judged futile, or tried first.
  const never = -1;
  const always = Number.POSITIVE_INFINITY;
  const budgets: [string, SearchBudget][] = [
    ["default (index alone here)", SEARCH_BUDGET],
    ["walk reads everything", { indexMatches: 0, recentMessages: 1000, relevancePool: 1000, indexFirstUpTo: never }],
    [
      "index too small, walk reads all",
      { indexMatches: 2, recentMessages: 1000, relevancePool: 1000, indexFirstUpTo: always },
    ],
    [
      "walk, then index",
      { indexMatches: 1000, recentMessages: 6, relevancePool: 1000, indexFirstUpTo: never, indexAfterWalkUpTo: always },
    ],
    ["walk stops short", { indexMatches: 0, recentMessages: 6, relevancePool: 1000, indexFirstUpTo: never }],
    [
      "walk stops short, index judged futile",
      { indexMatches: 1000, recentMessages: 6, relevancePool: 1000, indexFirstUpTo: never, indexAfterWalkUpTo: never },
    ],
    [
      "index too small, walk stops short",
      { indexMatches: 2, recentMessages: 6, relevancePool: 1000, indexFirstUpTo: always },
    ],
  ];
  const queries: [string, string[], Record<string, unknown>, ((row: Row) => boolean)?][] = [
    ["alpha", ["alpha"], {}],
    ["beta", ["beta"], {}],
    ["gamma", ["gamma"], {}],
    ["delta", ["delta"], {}],
    ["alpha beta", ["alpha", "beta"], {}],
    ["alpha, lane cyber", ["alpha"], { lane: "cyber" }, (row) => row.thread.lane === "cyber"],
    ["alpha, TLP:AMBER", ["alpha"], { tlp: "TLP:AMBER" }, (row) => row.message.tlp === "TLP:AMBER"],
    ["nothing", ["epsilon"], {}],
    ["burst", ["burst"], {}],
  ];

  it.each(budgets)(
    "budget %s: pages are newest first and together exactly the readable matches, once each",
    async (_name, budget) => {
      for (const principal of [officer, analyst]) {
        for (const [name, words, filters, filter] of queries) {
          const pages = await allPages(principal, { q: words.join(" "), limit: 4, ...filters }, budget);
          const ids = pages.flatMap((p) => p.items.map((item) => item.id));
          expect(ids, `${principal.role}: ${name}`).toEqual(expected(principal, words, filter));
          for (const page of pages) {
            expect(page.items.length).toBeLessThanOrEqual(4);
            const times = page.items.map((item) => new Date(item.createdAt).getTime());
            expect(times).toEqual([...times].sort((a, b) => b - a));
            // A short page before the end is only ever a partial one, and says so.
            if (page.next && page.items.length < 4) expect(page.partial).toBe(true);
          }
          expect(pages.at(-1)?.partial).toBe(false);
        }
      }
    },
  );

  it("a partial page says how far it read, with a cursor that names no message the reader may not see", async () => {
    const budget = budgets[4]?.[1] as SearchBudget;
    // gamma is only in the oldest 20 messages: the walk of the newest 6 finds none, and the index may not answer.
    const first = await searchMessages(node.deps.database.db, scope(analyst), parse({ q: "gamma", limit: 4 }), budget);
    expect(first).toMatchObject({ items: [], partial: true });
    expect(first.next).toMatch(/^[0-9a-f-]{36}$/);
    const hidden = new Set(rows.filter((row) => !readable(analyst, row)).map((row) => row.message.id));
    for (const [, , filters] of queries) {
      const pages = await allPages(analyst, { q: "alpha", limit: 3, ...filters }, budget);
      for (const page of pages) if (page.next) expect(hidden.has(page.next)).toBe(false);
    }
  });

  it("pages through messages written in one millisecond, more than the budget reads, each once", async () => {
    const budget = { indexMatches: 0, recentMessages: 3, relevancePool: 1000 };
    // burst: the pages read are full of hits; alpha: the first pages read only the burst, and find nothing there.
    for (const principal of [officer, analyst]) {
      for (const word of ["burst", "alpha"]) {
        const pages = await allPages(principal, { q: word, limit: 4 }, budget);
        expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(expected(principal, [word]));
        expect(pages.some((p) => p.partial)).toBe(true);
      }
    }
  });

  it("relevance orders the newest matches by rank, best first, ties newest first, and has one page", async () => {
    const db = node.deps.database.db;
    const all = await searchMessages(db, scope(officer), parse({ q: "alpha", sort: "relevance", limit: 200 }));
    const newest = expected(officer, ["alpha"]);
    expect(all.items.map((i) => i.id).sort()).toEqual([...newest].sort());
    expect(all.next).toBeNull();
    const best = rows.find((row) => row.words.filter((w) => w === "alpha").length > 1);
    expect(all.items[0]?.id).toBe(best?.message.id);
    for (let k = 1; k < all.items.length; k++) {
      const [a, b] = [all.items[k - 1], all.items[k]] as [SearchPage["items"][0], SearchPage["items"][0]];
      expect(a.rank > b.rank || (a.rank === b.rank && a.id > b.id), `${k}`).toBe(true);
    }
    // Only the newest `relevancePool` matches are ranked: the best match, old, is not among the newest five.
    for (const budget of [
      { ...SEARCH_BUDGET, relevancePool: 5 },
      { ...budgets[3]?.[1], relevancePool: 5 } as SearchBudget,
    ]) {
      const pooled = await searchMessages(
        db,
        scope(officer),
        parse({ q: "alpha", sort: "relevance", limit: 3 }),
        budget,
      );
      expect(pooled.items).toHaveLength(3);
      for (const item of pooled.items) expect(newest.slice(0, 5)).toContain(item.id);
      expect(pooled.items.map((i) => i.id)).not.toContain(best?.message.id);
    }
  });

  describe("through the API", () => {
    const get = (query: string, token = officerActor.token) =>
      node.app.inject({
        method: "GET",
        url: `/api/v1/exchange/search?${query}`,
        headers: { authorization: `Bearer ${token}` },
      });

    it("sorts newest first by default and pages with next and before", async () => {
      const first = await get("q=alpha&limit=10");
      expect(first.statusCode).toBe(200);
      const page1 = first.json() as SearchPage;
      const newest = expected(officer, ["alpha"]);
      expect(page1.items.map((i) => i.id)).toEqual(newest.slice(0, 10));
      expect(page1).toMatchObject({ partial: false, next: newest[9] });
      const page2 = (await get(`q=alpha&limit=10&before=${page1.next}`)).json() as SearchPage;
      expect(page2.items.map((i) => i.id)).toEqual(newest.slice(10, 20));
      const explicit = (await get("q=alpha&limit=10&sort=newest")).json() as SearchPage;
      expect(explicit.items.map((i) => i.id)).toEqual(newest.slice(0, 10));
    });

    it("sort=relevance puts the best match first", async () => {
      const r = await get("q=alpha&sort=relevance&limit=5");
      expect(r.statusCode).toBe(200);
      const page = r.json() as SearchPage;
      const best = rows.find((row) => row.words.filter((w) => w === "alpha").length > 1);
      expect(page.items[0]?.id).toBe(best?.message.id);
      expect(page.items.map((i) => i.rank)).toEqual([...page.items.map((i) => i.rank)].sort((a, b) => b - a));
      expect(page.next).toBeNull();
    });

    it("publishes sort and before in the OpenAPI document", async () => {
      const r = await node.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
      const parameters = r.json().paths["/api/v1/exchange/search"].get.parameters as {
        name: string;
        schema: { enum?: string[]; default?: unknown };
      }[];
      const byName = Object.fromEntries(parameters.map((p) => [p.name, p.schema]));
      expect(byName.sort).toMatchObject({ enum: ["newest", "relevance"], default: "newest" });
      expect(byName.before).toBeDefined();
    });

    it.each([
      ["an unknown order", "q=alpha&sort=oldest", "sort"],
      ["a cursor that is not a message id", "q=alpha&before=yesterday", "before"],
      ["a cursor on a relevance search", `q=alpha&sort=relevance&before=${uuidv7(BASE)}`, "before"],
      ["a limit over 200", "q=alpha&limit=201", "limit"],
    ])("refuses %s with LIAISON_REQUEST_INVALID", async (_name, query, field) => {
      const r = await get(query);
      expect(r.statusCode).toBe(400);
      expect(r.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: "LIAISON_REQUEST_INVALID" });
      expect(r.json().detail).toContain(field);
    });
  });
});
