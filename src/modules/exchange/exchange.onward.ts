import { checkCaveats, type ReceivedCaveats } from "../compliance/caveats.ts";
import type { PolicyReason } from "../policy/policy.types.ts";
import { isGated } from "./exchange.content.ts";
import type { ExchangeMessagesTable, ExchangeThreadsTable } from "./exchange.repository.ts";

/**
 * Onward disclosure inside this node: information that came from the other party moving to another agency than
 * the one holding it (a reassignment of the thread today; any later lane that hands received content on calls
 * this too). The rules are the caveats' (compliance/caveats.ts, `disclose-onward`: H2 and the TLP labels that stay
 * within the recipient agency), applied to every received message of the thread that carries information. Where
 * they need the originator's consent, it must have been asked and given through the thread's own consent
 * messages: a consent-request (outbound) that names the message in `refersTo` and the agency id as
 * `onwardRecipient`, answered by a consent-decision (inbound) with `consentGranted: true`.
 */

/** The agency holding a received message for its caveats: moved there with consent, addressed, or routed. */
export function holderOf(
  m: Pick<ExchangeMessagesTable, "to_agency"> & { holder_agency?: string | null | undefined },
  thread: Pick<ExchangeThreadsTable, "assigned_agency">,
): string | null {
  return m.holder_agency ?? m.to_agency ?? thread.assigned_agency ?? null;
}

export interface OnwardOutcome {
  /** Messages the move needs the originator's consent for, and has not got it: the move is refused. */
  needsConsent: { messageId: string; tlp: string; permittedUse: string[]; reasons: PolicyReason[] }[];
  /** Messages whose move the originator consented to: their holder becomes the new agency. */
  consented: string[];
}

type Row = ExchangeMessagesTable;

const asStrings = (value: unknown) => (Array.isArray(value) ? value.filter((v) => typeof v === "string") : []);

/** Whether a stored message tells anything: control messages and coded refusals carry nothing. */
function carriesInformation(m: Row): boolean {
  return isGated({
    kind: m.kind,
    responseType: m.response_type,
    text: m.text,
    entities: Array.isArray(m.entities) ? m.entities : [],
    dataSubjects: asStrings(m.data_subjects),
    handlingNote: m.handling_note,
    refusalReason: m.refusal_reason,
    onwardRecipient: m.onward_recipient,
  });
}

/**
 * What moving `thread` to `toAgency` would disclose onward, from its messages (all of them, any order). A message
 * nobody holds yet (no `toAgency`, thread never routed) is not disclosed onward by its first routing: it belongs
 * to the first agency assigned.
 */
export function onwardOutcome(
  thread: Pick<ExchangeThreadsTable, "assigned_agency">,
  messages: readonly Row[],
  toAgency: string,
  now: Date,
): OnwardOutcome {
  const outcome: OnwardOutcome = { needsConsent: [], consented: [] };
  for (const m of messages) {
    if (m.direction !== "inbound" || m.withdrawn_at || !carriesInformation(m)) continue;
    const holder = holderOf(m, thread);
    if (holder === null || holder === toAgency) continue;
    const caveats: ReceivedCaveats = {
      tlp: m.tlp as ReceivedCaveats["tlp"],
      permittedUse: asStrings(m.permitted_use),
      recipientAgency: holder,
    };
    const asked = checkCaveats(caveats, { kind: "disclose-onward", toAgency }, now);
    if (asked.use !== "needs-consent") continue;
    if (consentGiven(messages, m.id, toAgency)) {
      outcome.consented.push(m.id);
      continue;
    }
    outcome.needsConsent.push({
      messageId: m.id,
      tlp: m.tlp,
      permittedUse: caveats.permittedUse,
      reasons: asked.reasons.filter((r) => r.policy !== "caveat-retention"),
    });
  }
  return outcome;
}

/** The originator granted moving `messageId` to `agency`: our consent-request for it, their grant of it. */
function consentGiven(messages: readonly Row[], messageId: string, agency: string): boolean {
  const requests = messages.filter(
    (r) =>
      r.direction === "outbound" &&
      r.kind === "consent-request" &&
      r.refers_to === messageId &&
      r.envelope_id !== null &&
      r.onward_recipient?.trim() === agency,
  );
  return requests.some((r) =>
    messages.some(
      (d) =>
        d.direction === "inbound" &&
        d.kind === "consent-decision" &&
        d.refers_to === r.id &&
        d.consent_granted === true &&
        !d.withdrawn_at,
    ),
  );
}
