import { type RawBuilder, sql } from "kysely";
import type { Principal } from "../identity/principal.ts";
import type { AccessResource, Authorizer } from "../policy/policy.types.ts";
import { holderOf } from "./exchange.onward.ts";
import type { ExchangeMessagesTable, ExchangeThreadsTable } from "./exchange.repository.ts";
import { agencyOf } from "./exchange.service.ts";

/**
 * Who may read what in the exchange. Cedar is the only source of the rules (policies/access/exchange.cedar and
 * boundaries.cedar): a message is readable when `thread.read` permits its thread and `message.read` permits the
 * message, whose TLP caveats are the boundaries' (TLP:RED the named recipients, TLP:AMBER+STRICT the agency
 * holding it). The thread view and downloads ask Cedar row by row (`canRead`). Lists and search must filter in
 * the database, so the SQL below restates the same decision; test/policy/visibility-agrees.test.ts holds it to
 * Cedar's on random principals, threads and messages, on PGlite and PostgreSQL, so a change to one that the other
 * does not follow fails there. The SQL never names a role: which threads a principal reads is asked of Cedar
 * (`readScopeOf`), for a thread of its own agency and one of another; decisions depend only on how principal and
 * resource relate (policy.service.ts `shapeOf`), so those two answers hold for every thread.
 *
 * Withdrawn received content is not a rule of access but erased state: it is never readable, in code and SQL.
 */

/** What a principal reads, as asked of Cedar once per request: every thread of the party, its agency's, none. */
export interface ReadScope {
  principal: Principal;
  /** The party whose node this is (the resources' party). */
  party: string;
  threads: "party" | "agency" | "none";
}

const OTHER_AGENCY = "\u0000another-agency";

export function readScopeOf(policy: Pick<Authorizer, "permits">, principal: Principal, party: string): ReadScope {
  const probe = (a: string): AccessResource => ({ type: "thread", id: "scope", attributes: { party, agency: a } });
  if (policy.permits(principal, "thread.read", probe(OTHER_AGENCY))) return { principal, party, threads: "party" };
  const agency = principal.agency;
  if (agency && policy.permits(principal, "thread.read", probe(agency))) return { principal, party, threads: "agency" };
  return { principal, party, threads: "none" };
}

/** The thread as `thread.read` sees it: owned by its agency (agencyOf). */
export function threadResource(thread: ExchangeThreadsTable | ThreadFacts, party: string): AccessResource {
  const agency = agencyOf(thread);
  return { type: "thread", id: thread.id, attributes: { party, ...(agency ? { agency } : {}) } };
}

type ThreadFacts = Pick<ExchangeThreadsTable, "id" | "direction" | "from_agency" | "to_agency" | "assigned_agency">;
type MessageFacts = Pick<
  ExchangeMessagesTable,
  "id" | "direction" | "from_agency" | "to_agency" | "tlp" | "recipients"
> & {
  holder_agency?: string | null | undefined;
};

/** The message as `message.read` sees it: sent (its agency) or received (its caveats and the agency holding it). */
export function messageResource(message: MessageFacts, thread: Pick<ThreadFacts, "assigned_agency">, party: string) {
  if (message.direction === "outbound") {
    const agency = message.from_agency;
    return { type: "sent-message", id: message.id, attributes: { party, ...(agency ? { agency } : {}) } };
  }
  const holder = holderOf(message, thread);
  const recipients = Array.isArray(message.recipients) ? message.recipients : [];
  return {
    type: "received-message",
    id: message.id,
    attributes: { party, tlp: message.tlp, recipients, ...(holder ? { agency: holder } : {}) },
  } satisfies AccessResource;
}

/** A message already loaded (thread view, attachment download), asked of Cedar: thread and message. */
export function canRead(
  policy: Pick<Authorizer, "permits">,
  principal: Principal,
  party: string,
  message: MessageFacts & { withdrawn_at: Date | null },
  thread: ThreadFacts,
): boolean {
  if (message.direction === "inbound" && message.withdrawn_at) return false;
  return (
    policy.permits(principal, "thread.read", threadResource(thread, party)) &&
    policy.permits(principal, "message.read", messageResource(message, thread, party))
  );
}

/**
 * `thread.read` as SQL over `t` (exchange_threads): the thread's agency is agencyOf's (the sender's for outbound,
 * else the assigned agency, else the addressed one). Parenthesised as a whole: Kysely does not wrap raw SQL, and
 * an OR must not escape into the caller's AND.
 */
export function threadVisibleTo(scope: ReadScope): RawBuilder<boolean> {
  if (scope.threads === "none") return sql<boolean>`false`;
  if (scope.threads === "party") return sql<boolean>`true`;
  const agency = scope.principal.agency ?? null;
  return sql<boolean>`((t.direction = 'outbound' AND t.from_agency = ${agency})
    OR (t.direction <> 'outbound' AND coalesce(t.assigned_agency, t.to_agency) = ${agency}))`;
}

/**
 * `message.read` as SQL over `m` (exchange_messages) and `t` (its thread): sent messages to the sending agency;
 * received ones never once withdrawn, TLP:RED to the named recipients (id or username), TLP:AMBER+STRICT to the
 * agency holding it (holderOf), the other labels to any agency user of this party. The party boundary holds too:
 * a principal of another party (or without an agency) reads nothing here.
 */
export function messageVisibleTo(scope: ReadScope): RawBuilder<boolean> {
  const { principal } = scope;
  const agency = principal.agency ?? null;
  if (!agency || principal.party !== scope.party) return sql<boolean>`false`;
  const names = JSON.stringify([...new Set([principal.id, principal.username ?? principal.id])]);
  return sql<boolean>`(
    (m.direction = 'outbound' AND m.from_agency = ${agency})
    OR (m.direction <> 'outbound' AND m.withdrawn_at IS NULL AND (
      (m.tlp = 'TLP:RED' AND m.recipients ?| array(SELECT jsonb_array_elements_text(${names}::jsonb)))
      OR (m.tlp = 'TLP:AMBER+STRICT' AND coalesce(m.holder_agency, m.to_agency, t.assigned_agency) = ${agency})
      OR m.tlp IN ('TLP:AMBER', 'TLP:GREEN', 'TLP:CLEAR')
    ))
  )`;
}
