import { sql } from "kysely";
import type { Db } from "../../db/database.ts";
import type { Principal } from "../identity/principal.ts";
import type { SearchQuery } from "./exchange.schema.ts";
import { messageVisibleTo, threadVisibleTo } from "./exchange.visibility.ts";

/**
 * Full-text search over the messages a principal may read. The visibility rule is part of the SQL, so neither a
 * result nor a count can reveal a message the reader may not see.
 */
export async function searchMessages(db: Db, principal: Principal, query: SearchQuery) {
  if (!principal.agency) return [];
  const tsquery = sql`websearch_to_tsquery('english', ${query.q})`;
  let q = db
    .selectFrom("exchange_messages as m")
    .innerJoin("exchange_threads as t", "t.id", "m.thread_id")
    .select([
      "m.id",
      "m.thread_id as threadId",
      "m.kind",
      "m.status",
      "m.direction",
      "m.tlp",
      "m.priority",
      "m.created_at as createdAt",
      "t.subject",
      "t.lane",
      "t.peer_party as party",
      "t.respond_by as respondBy",
      sql<string>`ts_headline('english', m.text, ${tsquery}, 'MaxFragments=2, MaxWords=20, MinWords=5')`.as("snippet"),
      sql<number>`ts_rank(m.tsv, ${tsquery})`.as("rank"),
    ])
    .where(sql<boolean>`m.tsv @@ ${tsquery}`)
    .where(messageVisibleTo(principal))
    .where(threadVisibleTo(principal))
    .orderBy(sql`ts_rank(m.tsv, ${tsquery})`, "desc")
    .orderBy("m.id", "desc")
    .limit(query.limit);
  if (query.lane) q = q.where("t.lane", "=", query.lane);
  if (query.party) q = q.where("t.peer_party", "=", query.party);
  if (query.agency)
    q = q.where((eb) =>
      eb.or([
        eb("m.from_agency", "=", query.agency as string),
        eb("m.to_agency", "=", query.agency as string),
        eb("t.assigned_agency", "=", query.agency as string),
      ]),
    );
  if (query.priority) q = q.where("t.priority", "=", query.priority);
  if (query.status) q = q.where("m.status", "=", query.status);
  if (query.tlp) q = q.where("m.tlp", "=", query.tlp);
  if (query.dueBefore) q = q.where("t.respond_by", "<", new Date(query.dueBefore));
  return q.execute();
}
