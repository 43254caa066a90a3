import { type RawBuilder, sql } from "kysely";
import { checkCaveats, type ReceivedCaveats } from "../compliance/caveats.ts";
import type { Principal } from "../identity/principal.ts";
import { holderOf } from "./exchange.onward.ts";

/**
 * Who may read a message, as SQL, so lists and search filter in the database and can never return more than a
 * reader may see. The rules are the caveats' (TLP 2.0 as the receiving node enforces it):
 * - what this node sent: its originating agency (and its sender);
 * - what it received: never once withdrawn; TLP:RED only the named recipients; TLP:AMBER+STRICT only the
 *   agency holding it (exchange.onward.ts `holderOf`: moved there with the originator's consent, else addressed,
 *   else the thread's agency, which cannot change without that consent); the other labels anyone of this party with an agency (compliance/caveats.ts, which
 *   `canRead` calls, is the same rule in code).
 * `m` is exchange_messages and `t` exchange_threads. A principal without an agency (an operator) reads nothing.
 */
export function messageVisibleTo(principal: Principal): RawBuilder<boolean> {
  const agency = principal.agency ?? null;
  if (!agency) return sql<boolean>`false`;
  const names = JSON.stringify([...new Set([principal.id, principal.username ?? principal.id])]);
  return sql<boolean>`(
    (m.direction = 'outbound' AND (m.from_agency = ${agency} OR m.sent_by = ${principal.id}))
    OR (m.direction = 'inbound' AND m.withdrawn_at IS NULL AND (
      (m.tlp = 'TLP:RED' AND m.recipients ?| array(SELECT jsonb_array_elements_text(${names}::jsonb)))
      OR (m.tlp = 'TLP:AMBER+STRICT' AND coalesce(m.holder_agency, m.to_agency, t.assigned_agency) = ${agency})
      OR m.tlp IN ('TLP:AMBER', 'TLP:GREEN', 'TLP:CLEAR')
    ))
  )`;
}

/**
 * Which threads a principal sees in lists: those of its agency (sent, addressed or assigned), and for liaison
 * officers every thread of this node, since they triage and route. Messages inside are still filtered.
 */
export function threadVisibleTo(principal: Principal): RawBuilder<boolean> {
  const agency = principal.agency ?? null;
  if (!agency) return sql<boolean>`false`;
  if (principal.role === "liaison-officer") return sql<boolean>`true`;
  // Parenthesised as a whole: Kysely does not wrap raw SQL, and an OR must not escape into the caller's AND.
  return sql<boolean>`((t.from_agency = ${agency} AND t.direction = 'outbound')
    OR (t.direction = 'inbound' AND (t.to_agency = ${agency} OR t.assigned_agency = ${agency}))
    OR t.assignee = ${principal.id})`;
}

/** The same rule in code, for a message already loaded (thread view, attachment download). */
export function canRead(
  principal: Principal,
  message: {
    direction: string;
    from_agency: string | null;
    to_agency: string | null;
    sent_by: string;
    tlp: string;
    permitted_use: unknown;
    recipients: unknown;
    withdrawn_at: Date | null;
    holder_agency?: string | null | undefined;
  },
  thread: { assigned_agency: string | null },
  now: Date,
): boolean {
  const agency = principal.agency;
  if (!agency) return false;
  if (message.direction === "outbound") return message.from_agency === agency || message.sent_by === principal.id;
  if (message.withdrawn_at) return false;
  const caveats: ReceivedCaveats = {
    tlp: message.tlp as ReceivedCaveats["tlp"],
    permittedUse: Array.isArray(message.permitted_use) ? (message.permitted_use as string[]) : [],
    recipients: Array.isArray(message.recipients) ? (message.recipients as string[]) : [],
    recipientAgency: holderOf(message, thread) ?? "",
  };
  return checkCaveats(caveats, { id: principal.id, username: principal.username, agency }, { kind: "read" }, now)
    .readable;
}
