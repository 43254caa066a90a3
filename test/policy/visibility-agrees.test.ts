import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExchangeMessagesTable,
  type ExchangeThreadsTable,
  insertMessage,
  insertThread,
} from "../../src/modules/exchange/exchange.repository.ts";
import { SearchQuery } from "../../src/modules/exchange/exchange.schema.ts";
import { searchMessages } from "../../src/modules/exchange/exchange.search.ts";
import {
  canRead,
  messageVisibleTo,
  readScopeOf,
  threadResource,
  threadVisibleTo,
} from "../../src/modules/exchange/exchange.visibility.ts";
import { type Principal, ROLES } from "../../src/modules/identity/principal.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/**
 * Lists and search filter in SQL for speed (exchange.visibility.ts); the thread view and downloads ask Cedar
 * (`thread.read` on the thread, `message.read` on the message). The two must give the same answer, or a list or a
 * search hit would show what the thread view refuses (or hide what it shows). Random threads and messages (both
 * directions, any sender, addressed, assigned and holding agency or none, every TLP label with random named
 * recipients, H-codes, withdrawn or not) are written once into a real database (PGlite, or PostgreSQL under
 * LIAISON_TEST_DATABASE_URL); then for random principals (party, agency or none, role, id and username) the SQL's
 * rows are compared with the same rows filtered through Cedar. Like decision-shapes.test.ts for the cache, this is
 * what lets the SQL restate the policies: a change to one that the other does not follow fails here.
 */

const PARTY = "CA";
const AGENCIES = ["ca-rcmp", "ca-cbsa", "ca-fintrac"];
const IDS = ["u-1", "u-2", "u-3"];
const NAMES = [...IDS, "ca.one", "ca.two"];
const TLPS = ["TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"];
const THREADS = 300;
const MESSAGES = 2_400;
/** Random principals x random samples of rows: each run is one SQL statement and its rows through Cedar. */
const MESSAGE_RUNS = 6_000;
const THREAD_RUNS = 4_000;
const SAMPLE = 24;
/** Words that mark about 1/WORDS of the messages each, so one search page holds every match. */
const WORDS = 40;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const agency = fc.constantFrom(...AGENCIES);

const threadArb = fc.record({
  direction: fc.constantFrom("inbound" as const, "outbound" as const),
  from_agency: maybe(fc.constantFrom(...AGENCIES, "in-ncb")),
  to_agency: maybe(fc.constantFrom(...AGENCIES, "in-ncb")),
  assigned_agency: maybe(agency),
  assignee: maybe(fc.constantFrom(...IDS)),
});

const messageArb = fc.record({
  thread: fc.nat(THREADS - 1),
  direction: fc.constantFrom("inbound" as const, "outbound" as const),
  from_agency: maybe(fc.constantFrom(...AGENCIES, "in-ncb")),
  to_agency: maybe(agency),
  holder_agency: maybe(agency),
  tlp: fc.constantFrom(...TLPS),
  recipients: fc.subarray(NAMES),
  permitted_use: fc.subarray(["H0", "H1", "H2", "H3"]),
  sent_by: fc.constantFrom(...IDS, "in.sender"),
  withdrawn: fc.boolean(),
});

const principalArb: fc.Arbitrary<Principal> = fc
  .record({
    id: fc.constantFrom(...IDS),
    username: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
    role: fc.constantFrom(...ROLES, "nobody"),
    party: fc.constantFrom(PARTY, PARTY, PARTY, "IN"),
    agency: fc.option(fc.constantFrom(...AGENCIES, "in-ncb"), { nil: undefined, freq: 6 }),
  })
  .map(({ username, agency, ...p }) => ({
    ...p,
    ...(username ? { username } : {}),
    ...(agency ? { agency } : {}),
  })) as fc.Arbitrary<Principal>;

const BASE = Date.UTC(2026, 10, 1, 9, 0, 0);
const uuid = (n: number, kind: number) =>
  `0190${kind.toString(16)}000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;

describe("the SQL of lists and search agrees with Cedar", () => {
  let node: TestNode;
  const threads: ExchangeThreadsTable[] = [];
  const messages: ExchangeMessagesTable[] = [];
  const threadOf = new Map<string, ExchangeThreadsTable>();
  const wordOf = new Map<string, string>();

  beforeAll(async () => {
    node = await startTestNode({ party: PARTY });
    const db = node.deps.database.db;
    const seed = Date.now() ^ 0x5eed;
    console.info(`visibility-agrees data seed ${seed}`);
    fc.sample(threadArb, { numRuns: THREADS, seed }).forEach((t, i) => {
      threads.push({
        id: uuid(i, 1),
        lane: "drugs",
        subject: `Visibility ${i}`,
        peer_party: "IN",
        priority: "routine",
        started_at: new Date(BASE),
        acknowledge_by: null,
        respond_by: null,
        acknowledged_at: null,
        responded_at: null,
        created_by: null,
        created_at: new Date(BASE),
        last_message_at: new Date(BASE),
        ...t,
      });
    });
    for (const t of threads) {
      await insertThread(db, t);
      threadOf.set(t.id, t);
    }
    fc.sample(messageArb, { numRuns: MESSAGES, seed: seed + 1 }).forEach((m, i) => {
      const thread = threads[m.thread] as ExchangeThreadsTable;
      const word = `vis${i % WORDS}`;
      const row: ExchangeMessagesTable = {
        id: uuid(i, 2),
        thread_id: thread.id,
        envelope_id: null,
        direction: m.direction,
        kind: "disclosure",
        status: m.direction === "inbound" ? (m.withdrawn ? "withdrawn" : "received") : "sent",
        text: `visibility ${word}`,
        search_text: `visibility ${word}`,
        entities: [],
        tlp: m.tlp,
        permitted_use: m.permitted_use,
        handling_note: null,
        legal_bases: [],
        personal_data: false,
        data_subjects: [],
        grading: null,
        retention_until: null,
        priority: "routine",
        from_agency: m.from_agency,
        to_agency: m.to_agency,
        holder_agency: m.holder_agency,
        sent_by: m.sent_by,
        recipients: m.recipients,
        response_type: null,
        refusal_reason: null,
        refers_to: null,
        consent_granted: null,
        onward_recipient: null,
        decision: null,
        approval_id: null,
        withdrawn_at: m.withdrawn ? new Date(BASE + 60_000) : null,
        withdrawal_confirmed_at: null,
        created_at: new Date(BASE + i * 1000),
      };
      messages.push(row);
      wordOf.set(row.id, word);
    });
    for (const m of messages) await insertMessage(db, m);
  }, 300_000);
  afterAll(async () => node?.close());

  /** The decision of the thread view: Cedar, row by row. */
  const cedarReads = (principal: Principal, m: ExchangeMessagesTable) =>
    canRead(node.deps.access, principal, PARTY, m, threadOf.get(m.thread_id) as ExchangeThreadsTable);

  it(`messages: ${MESSAGE_RUNS} random principals x ${SAMPLE} random messages`, async () => {
    const db = node.deps.database.db;
    let compared = 0;
    let readable = 0;
    await fc.assert(
      fc.asyncProperty(
        principalArb,
        fc.uniqueArray(fc.nat(MESSAGES - 1), { minLength: 8, maxLength: SAMPLE }),
        async (principal, picks) => {
          const sample = picks.map((i) => messages[i] as ExchangeMessagesTable);
          const scope = readScopeOf(node.deps.access, principal, PARTY);
          const rows = await db
            .selectFrom("exchange_messages as m")
            .innerJoin("exchange_threads as t", "t.id", "m.thread_id")
            .select("m.id")
            .where(
              "m.id",
              "in",
              sample.map((m) => m.id),
            )
            .where(messageVisibleTo(scope))
            .where(threadVisibleTo(scope))
            .execute();
          const bySql = rows.map((r) => r.id).sort();
          const byCedar = sample
            .filter((m) => cedarReads(principal, m))
            .map((m) => m.id)
            .sort();
          compared += sample.length;
          readable += byCedar.length;
          expect(bySql).toEqual(byCedar);
        },
      ),
      { numRuns: MESSAGE_RUNS },
    );
    console.info(`visibility-agrees: ${compared} principal x message decisions, ${readable} readable`);
    // The data must exercise both answers, or agreement proves nothing.
    expect(readable).toBeGreaterThan(compared / 50);
    expect(readable).toBeLessThan(compared / 2);
  }, 240_000);

  it(`threads (lists): ${THREAD_RUNS} random principals x ${SAMPLE} random threads`, async () => {
    const db = node.deps.database.db;
    let listed = 0;
    await fc.assert(
      fc.asyncProperty(
        principalArb,
        fc.uniqueArray(fc.nat(THREADS - 1), { minLength: 8, maxLength: SAMPLE }),
        async (principal, picks) => {
          const sample = picks.map((i) => threads[i] as ExchangeThreadsTable);
          const scope = readScopeOf(node.deps.access, principal, PARTY);
          const rows = await db
            .selectFrom("exchange_threads as t")
            .select("t.id")
            .where(
              "t.id",
              "in",
              sample.map((t) => t.id),
            )
            .where(threadVisibleTo(scope))
            .execute();
          const byCedar = sample
            .filter((t) => node.deps.access.permits(principal, "thread.read", threadResource(t, PARTY)))
            .map((t) => t.id)
            .sort();
          listed += byCedar.length;
          expect(rows.map((r) => r.id).sort()).toEqual(byCedar);
        },
      ),
      { numRuns: THREAD_RUNS },
    );
    expect(listed).toBeGreaterThan(0);
  }, 240_000);

  it("search: every hit and only those, for random principals and words", async () => {
    const db = node.deps.database.db;
    await fc.assert(
      fc.asyncProperty(principalArb, fc.nat(WORDS - 1), async (principal, w) => {
        const word = `vis${w}`;
        const page = await searchMessages(
          db,
          readScopeOf(node.deps.access, principal, PARTY),
          SearchQuery.parse({ q: word, limit: 100 }),
        );
        const expected = messages
          .filter((m) => wordOf.get(m.id) === word && cedarReads(principal, m))
          .map((m) => m.id)
          .sort();
        expect(page.partial).toBe(false);
        expect(page.items.map((i) => i.id).sort()).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  }, 240_000);

  it("the data has every kind of row the rules tell apart", async () => {
    const count = await sql<{ n: number }>`SELECT count(DISTINCT (direction, tlp, withdrawn_at IS NULL))::int AS n
      FROM exchange_messages`.execute(node.deps.database.db);
    expect(count.rows[0]?.n).toBe(2 * TLPS.length * 2);
  });
});
