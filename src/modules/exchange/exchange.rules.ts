import type { Db } from "../../db/database.ts";
import { exchangeError } from "./exchange.errors.ts";
import { type ExchangeThreadsTable, findMessage } from "./exchange.repository.ts";
import type { AddMessageRequest } from "./exchange.schema.ts";

/** Kind-specific rules, checked before anything is sealed or stored. */
export async function checkKindRules(db: Db, thread: ExchangeThreadsTable, isNew: boolean, input: AddMessageRequest) {
  if (input.kind === "response" && !input.responseType)
    throw exchangeError("RESPONSE_TYPE_REQUIRED", 400, "a response says whether it is full, partial or a refusal");
  if (input.responseType === "refusal" && !input.refusalReason && !input.refusalCode)
    throw exchangeError(
      "REFUSAL_REASON_REQUIRED",
      400,
      "a refusal needs a reason: a refusalCode from the documented list, or a refusalReason (free text, gated)",
    );
  if (input.kind === "consent-decision" && input.consentGranted === undefined)
    throw exchangeError("CONSENT_DECISION_REQUIRED", 400, "a consent decision says consentGranted true or false");
  // TLP:RED's recipients and H3's note are checked by the compliance gate itself (checkGateInput), so a send and
  // the live check refuse them alike.
  if (isNew) return;
  const needsTarget: Record<string, "outbound" | "inbound"> = {
    withdrawal: "outbound",
    "consent-request": "inbound",
    "consent-decision": "inbound",
  };
  const direction = needsTarget[input.kind];
  if (!direction && !input.refersTo) return;
  if (!input.refersTo) throw exchangeError("REFERS_TO_REQUIRED", 400, `a ${input.kind} names the message it concerns`);
  const target = await findMessage(db, input.refersTo);
  if (!target || target.thread_id !== thread.id || (direction && target.direction !== direction)) {
    throw exchangeError("REFERS_TO_INVALID", 400, `refersTo must name a ${direction ?? ""} message of this thread`);
  }
  if (input.kind === "withdrawal" && !target.envelope_id)
    throw exchangeError("REFERS_TO_INVALID", 400, "only a message that was sent can be withdrawn");
  if (input.kind === "withdrawal" && (target.withdrawn_at || target.kind === "withdrawal"))
    throw exchangeError("ALREADY_WITHDRAWN", 409, "that message is already withdrawn");
  if (input.kind === "consent-decision" && target.kind !== "consent-request")
    throw exchangeError("REFERS_TO_INVALID", 400, "a consent decision answers a consent-request");
}
