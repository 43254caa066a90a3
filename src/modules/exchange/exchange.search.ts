import { type RawBuilder, sql } from "kysely";
import type { Db } from "../../db/database.ts";
import type { SearchQuery } from "./exchange.schema.ts";
import { messageVisibleTo, type ReadScope, threadVisibleTo } from "./exchange.visibility.ts";

/**
 * Full-text search over the messages a principal may read, newest first (message ids are UUIDv7, so id order is
 * the order in which messages were written) or by relevance among the newest matches. docs/exchange.md (Search)
 * says the same for analysts; keep the two in step.
 *
 * Why not one `ORDER BY ... LIMIT` statement: ranking, or sorting by id, every match of a common word reads a
 * large share of the table (a word in half of 1M messages took ~1 s), and left to choose between walking the
 * primary key from the newest message and the full-text index, PostgreSQL walks for words it wrongly believes
 * frequent (identifiers absent from its statistics, a word that was common last year), reading the whole table
 * to find nothing. So each step below has a bound on what it reads:
 *
 * - index: the messages the full-text index finds, if the words are in at most `indexMatches` messages: every
 *   match is read, so the answer is exact;
 * - recent: the `recentMessages` most recent messages, newest first, stopping once the page is full (exact
 *   too when it fills the page or reaches the oldest message).
 *
 * PostgreSQL's estimates (its statistics; no row is read) of how many messages hold the words and how many hits
 * the walk would find pick which runs first. The other runs only if the first could not answer (the index not
 * at all after the walk when the words are estimated to be in far more messages than it may read); if neither
 * can, the page holds what the walk found, is marked partial and has a cursor below the messages read. A wrong
 * estimate costs time or makes a page partial, never a wrong answer, and the time stays bounded by the steps.
 *
 * The visibility rules are part of every statement, so no hit reveals a message the reader may not see (the
 * counts that choose a step are of messages with the words, whoever may read them, and are never returned).
 * Each step's statement also cuts the page and makes its snippets: the estimates (three EXPLAINs, concurrent)
 * and one or two steps per search.
 */
export interface SearchBudget {
  /** Words in at most this many messages are answered from the full-text index, exactly. */
  indexMatches: number;
  /** At most this many of the most recent messages are read, newest first, per request. */
  recentMessages: number;
  /** `sort=relevance` ranks at most this many of the newest matches. */
  relevancePool: number;
  /** Words estimated to be in at most this many messages try the index first; default `indexMatches`. */
  indexFirstUpTo?: number;
  /**
   * After a walk that did not fill the page, the index is tried only for words estimated to be in at most this
   * many messages (default 4 x `indexMatches`): beyond, it would read `indexMatches` + 1 messages to learn that
   * there are too many, the estimate for one word being within a few percent.
   */
  indexAfterWalkUpTo?: number;
}

export const SEARCH_BUDGET: SearchBudget = { indexMatches: 6_000, recentMessages: 20_000, relevancePool: 1_000 };

export interface SearchHit {
  id: string;
  threadId: string;
  kind: string;
  status: string;
  direction: string;
  tlp: string;
  priority: string | null;
  createdAt: Date;
  subject: string;
  lane: string;
  party: string;
  respondBy: Date | null;
  /** The matching passages, hits marked with <b>. */
  snippet: string;
  /** ts_rank of the message for these words (what `sort=relevance` orders by). */
  rank: number;
}

export interface SearchPage {
  items: SearchHit[];
  /** Older matches may exist: pass this as `before` to get them. Null when there are none (and for relevance). */
  next: string | null;
  /** The page stopped at the budget of recent messages before it was full; older matches may exist (`next`). */
  partial: boolean;
}

interface Found {
  /** The page: newest first, or best rank first for relevance. */
  items: SearchHit[];
  /** More matches exist beyond those this step considered. */
  more: boolean;
  /** Set when the page stopped at the budget: where the next page starts (see resumeBelow). */
  resumeBelow?: string;
}

/** What one request searches for and how its page is cut. */
interface Search {
  words: string;
  before: string | undefined;
  relevance: boolean;
  /** Matches to consider: the page (newest), or the pool that relevance ranks. */
  want: number;
  limit: number;
  /** Visibility and the query's filters, over `m` (a message, MESSAGE_COLUMNS) and `t` (its thread). */
  conditions: RawBuilder<boolean>;
}

const tsquery = (words: string) => sql`websearch_to_tsquery('english', ${words})`;

/**
 * The message columns that the steps read before joining the thread: the search vector and every column the
 * visibility rules and the filters refer to (a rule that needs another column fails loudly until it is added).
 */
const MESSAGE_COLUMNS = sql.raw(
  "id, thread_id, tsv, direction, from_agency, to_agency, holder_agency, sent_by, withdrawn_at, tlp, recipients, status",
);

export async function searchMessages(
  db: Db,
  scope: ReadScope,
  query: SearchQuery,
  budget: SearchBudget = SEARCH_BUDGET,
): Promise<SearchPage> {
  if (scope.threads === "none") return { items: [], next: null, partial: false };
  const relevance = query.sort === "relevance";
  const search: Search = {
    words: query.q,
    before: relevance ? undefined : query.before,
    relevance,
    want: relevance ? Math.max(budget.relevancePool, query.limit) : query.limit,
    limit: query.limit,
    conditions: conditionsOf(scope, query),
  };
  const found = await findNewest(db, search, budget);
  return { items: found.items, next: relevance ? null : nextCursor(found), partial: found.resumeBelow !== undefined };
}

async function findNewest(db: Db, search: Search, budget: SearchBudget): Promise<Found> {
  const estimate = await estimates(db, search, budget.recentMessages);
  // The index first for words in few messages, unless the walk is expected to fill the page anyway (a word in
  // some thousands of messages most of which the reader may see): reading recent messages in order is cheaper
  // than fetching thousands scattered over the table. Expected to fill it with half a page to spare: a walk
  // expected to find just a page often finds fewer (a count scatters around its mean), and then both steps run.
  const indexFirst =
    estimate.matches <= (budget.indexFirstUpTo ?? budget.indexMatches) && estimate.inWalk < 1.5 * search.want;
  if (indexFirst) {
    const indexed = await fromIndex(db, search, budget.indexMatches);
    if (indexed) return indexed;
  }
  const { read, ...recent } = await fromRecent(db, search, budget.recentMessages);
  if (recent.more) return recent;
  // Fewer messages than the budget below the cursor: the walk read them all, so its answer is complete.
  if (!read) return recent;
  if (!indexFirst && estimate.matches <= (budget.indexAfterWalkUpTo ?? 4 * budget.indexMatches)) {
    const indexed = await fromIndex(db, search, budget.indexMatches);
    if (indexed) return indexed;
  }
  return { ...recent, more: true, resumeBelow: resumeBelow(read, recent.items.at(-1)?.id) };
}

/**
 * PostgreSQL's estimates (its statistics; no row is read): how many messages below the cursor hold the words,
 * and how many hits the walk of the `window` most recent would find, taken as the estimated hits (the words,
 * the visibility rules and the filters together) spread evenly over the messages below the cursor.
 */
async function estimates(db: Db, search: Search, window: number) {
  const belowCursor = search.before ? sql`m.id < ${search.before}` : sql`true`;
  const words = sql`m.tsv @@ ${tsquery(search.words)}`;
  const [matches, hits, messages] = await Promise.all([
    estimatedRows(db, sql`SELECT 1 FROM exchange_messages AS m WHERE ${words} AND ${belowCursor}`),
    estimatedRows(
      db,
      sql`SELECT 1 FROM exchange_messages AS m JOIN exchange_threads AS t ON t.id = m.thread_id
        WHERE ${words} AND ${belowCursor} AND ${search.conditions}`,
    ),
    estimatedRows(db, sql`SELECT 1 FROM exchange_messages AS m WHERE ${belowCursor}`),
  ]);
  return { matches, inWalk: messages > 0 ? (hits * Math.min(window, messages)) / messages : 0 };
}

async function estimatedRows(db: Db, query: RawBuilder<unknown>): Promise<number> {
  const { rows } = await sql<{ "QUERY PLAN": unknown }>`EXPLAIN (FORMAT JSON) ${query}`.execute(db);
  const plan = rows[0]?.["QUERY PLAN"];
  const parsed = (typeof plan === "string" ? JSON.parse(plan) : plan) as [{ Plan: { "Plan Rows": number } }];
  return parsed[0]?.Plan?.["Plan Rows"] ?? Number.POSITIVE_INFINITY;
}

/**
 * The index step: the messages the full-text index finds, if there are at most `cap` of them (then the answer
 * is exact); undefined otherwise, after reading at most cap + 1. `OFFSET 0` keeps the LIMIT out of the inner plan,
 * so PostgreSQL plans for every match (the index, unless the words are in a large share of messages) rather
 * than for the first few (a walk of the table that may find them late or never).
 */
async function fromIndex(db: Db, search: Search, cap: number): Promise<Found | undefined> {
  const { rows } = await sql<PageRow>`
    WITH candidates AS MATERIALIZED (
      SELECT * FROM (
        SELECT ${MESSAGE_COLUMNS} FROM exchange_messages
        WHERE tsv @@ ${tsquery(search.words)} ${search.before ? sql`AND id < ${search.before}` : sql``}
        OFFSET 0
      ) AS matching
      LIMIT ${cap + 1}
    ),
    counted AS MATERIALIZED (SELECT count(*)::int AS candidates FROM candidates),
    ${poolAndPage(
      search,
      // Newest first before the join, so the thread of each candidate is looked up only until the pool is full.
      sql`SELECT m.id, ${rankOf(search)} AS rank
        FROM (SELECT * FROM candidates ORDER BY id DESC OFFSET 0) AS m
        JOIN exchange_threads AS t ON t.id = m.thread_id
        WHERE (SELECT candidates FROM counted) <= ${cap} AND ${search.conditions}`,
    )}
    ${pageRows(search, sql`counted`, sql`counted.candidates <= ${cap}`)}`.execute(db);
  if ((rows[0]?.candidates ?? 0) > cap) return undefined;
  return foundOf(search, rows);
}

/**
 * The recent step: the `window` most recent messages (below the cursor), newest first, stopping once the pool is
 * full (`recentMatches`: a backward walk of the primary key, bounded). When the pool is not
 * full, the same statement (same snapshot) also says which messages the walk read: the newest and the oldest,
 * none when there were fewer than `window` (PostgreSQL runs those subqueries only when the CASE needs them).
 */
async function fromRecent(
  db: Db,
  search: Search,
  window: number,
): Promise<Found & { read?: { newest: string; oldest: string } }> {
  const below = search.before ? sql`WHERE id < ${search.before}` : sql``;
  const short = sql`(SELECT count(*) FROM pool) <= ${search.want}`;
  const { rows } = await sql<PageRow>`
    WITH ${poolAndPage(search, recentMatches(search, window, sql`m.id, ${rankOf(search)} AS rank`))}
    ${pageRows(
      search,
      sql`(SELECT 0 AS candidates) AS counted`,
      sql`true`,
      sql`, CASE WHEN ${short} THEN (SELECT id FROM exchange_messages ${below} ORDER BY id DESC LIMIT 1) END
          AS "newestRead",
        CASE WHEN ${short} THEN (SELECT id FROM exchange_messages ${below} ORDER BY id DESC OFFSET ${window - 1} LIMIT 1)
        END AS "oldestRead"`,
    )}`.execute(db);
  const found = foundOf(search, rows);
  const { newestRead, oldestRead } = rows[0] ?? {};
  return newestRead && oldestRead ? { ...found, read: { newest: newestRead, oldest: oldestRead } } : found;
}

/** The hits among the `window` most recent messages below the cursor; the inner LIMIT makes the plan a walk. */
function recentMatches(search: Search, window: number, columns: RawBuilder<unknown>) {
  return sql`SELECT ${columns}
    FROM (
      SELECT ${MESSAGE_COLUMNS} FROM exchange_messages ${search.before ? sql`WHERE id < ${search.before}` : sql``}
      ORDER BY id DESC
      LIMIT ${window}
    ) AS m
    JOIN exchange_threads AS t ON t.id = m.thread_id
    WHERE m.tsv @@ ${tsquery(search.words)} AND ${search.conditions}`;
}

const rankOf = (search: Search) => (search.relevance ? sql`ts_rank(m.tsv, ${tsquery(search.words)})` : sql`0`);

/**
 * The matches a step considers (`pool`: the newest `want`, plus one to tell whether there are more) and the
 * page cut from them (`page`: the newest `limit`, or for relevance the best-ranked `limit` of the pool).
 */
function poolAndPage(search: Search, matches: RawBuilder<unknown>) {
  return sql`pool AS (${matches} ORDER BY m.id DESC LIMIT ${search.want + 1}),
    page AS (
      SELECT id, rank FROM (SELECT id, rank FROM pool ORDER BY id DESC LIMIT ${search.want}) AS considered
      ORDER BY ${search.relevance ? sql`rank DESC, ` : sql``}id DESC
      LIMIT ${search.limit}
    )`;
}

interface PageRow extends Omit<SearchHit, "id"> {
  id: string | null;
  candidates: number;
  pooled: number;
  /** The recent step's, when its pool is not full. */
  newestRead?: string | null;
  oldestRead?: string | null;
}

/**
 * One row per hit of the page with what a result shows, its snippet made only for those; at least one row
 * (`from`, with the candidate count) even when there is no hit.
 */
function pageRows(
  search: Search,
  from: RawBuilder<unknown>,
  accept: RawBuilder<boolean>,
  extraColumns: RawBuilder<unknown> = sql``,
) {
  const words = tsquery(search.words);
  return sql`SELECT counted.candidates, (SELECT count(*) FROM pool)::int AS pooled ${extraColumns},
      m.id, m.thread_id AS "threadId", m.kind, m.status, m.direction, m.tlp, m.priority, m.created_at AS "createdAt",
      t.subject, t.lane, t.peer_party AS party, t.respond_by AS "respondBy",
      ts_headline('english', m.text, ${words}, 'MaxFragments=2, MaxWords=20, MinWords=5') AS snippet,
      ts_rank(m.tsv, ${words}) AS rank
    FROM ${from}
    LEFT JOIN (
      page JOIN exchange_messages AS m ON m.id = page.id JOIN exchange_threads AS t ON t.id = m.thread_id
    ) ON ${accept}
    ORDER BY ${search.relevance ? sql`page.rank DESC, ` : sql``}page.id DESC`;
}

function foundOf(search: Search, rows: PageRow[]): Found {
  const items = rows.flatMap(({ candidates: _c, pooled: _p, newestRead: _n, oldestRead: _o, id, rank, ...hit }) =>
    id === null ? [] : [{ id, ...hit, rank: Number(rank) }],
  );
  return { items, more: (rows[0]?.pooled ?? 0) > search.want };
}

/**
 * Where a partial page's successor starts: below the messages read, expressed as the first millisecond after
 * the oldest one rather than its id, which may belong to a message this reader may not see (the cursor then says
 * only how far back the search read, as `GET /api/v1/exchange/stats` says how much traffic there is). The few
 * messages of that millisecond are read again; none was a hit of this page unless it is below the last hit,
 * hence the min. Should every message read share that millisecond (more messages in one millisecond than the
 * budget: tests with tiny budgets), rounding up would not move back, so the oldest id read is the cursor.
 */
function resumeBelow(read: { newest: string; oldest: string }, lastHit: string | undefined): string {
  const rounded = uuidAfterMillisecondOf(read.oldest);
  if (lastHit !== undefined && lastHit < rounded) return lastHit;
  return rounded <= read.newest ? rounded : read.oldest;
}

/** Where the next page starts: below the last hit of a full page, or where a partial one stopped. */
function nextCursor(found: Found): string | null {
  if (!found.more) return null;
  return found.resumeBelow ?? found.items.at(-1)?.id ?? null;
}

/** The smallest UUIDv7 of the millisecond after the one `id` carries: above every id of that millisecond. */
export function uuidAfterMillisecondOf(id: string): string {
  const ms = (Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16) + 1).toString(16).padStart(12, "0");
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7000-8000-000000000000`;
}

function conditionsOf(scope: ReadScope, query: SearchQuery): RawBuilder<boolean> {
  const conditions: RawBuilder<boolean>[] = [messageVisibleTo(scope), threadVisibleTo(scope)];
  if (query.lane) conditions.push(sql`t.lane = ${query.lane}`);
  if (query.party) conditions.push(sql`t.peer_party = ${query.party}`);
  if (query.agency)
    conditions.push(
      sql`(m.from_agency = ${query.agency} OR m.to_agency = ${query.agency} OR t.assigned_agency = ${query.agency})`,
    );
  if (query.priority) conditions.push(sql`t.priority = ${query.priority}`);
  if (query.status) conditions.push(sql`m.status = ${query.status}`);
  if (query.tlp) conditions.push(sql`m.tlp = ${query.tlp}`);
  if (query.dueBefore) conditions.push(sql`t.respond_by < ${new Date(query.dueBefore)}`);
  return sql<boolean>`(${sql.join(conditions, sql` AND `)})`;
}
