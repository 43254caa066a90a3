/**
 * The life of a pre-export notification, as both nodes replay it. The exporting party's authority sends,
 * amends or withdraws; the importing party's authority answers; either records what became of the shipment.
 * Every step is an event, and the status is what the events say, so the two nodes, replaying the same events,
 * show the same status and history. Under Art. 12(10)(a) of the 1988 Convention there is no universal reply
 * deadline: the exporter sets `replyBy` per notification, and silence is never consent — once it passes
 * unanswered the status is `no-reply`, which the exporter must treat as such, never as a go-ahead.
 */

export const REPLY_KINDS = ["no-objection", "objection", "request-information"] as const;
export type ReplyKind = (typeof REPLY_KINDS)[number];

export const SHIPMENT_STATES = ["dispatched", "arrived", "stopped", "seized"] as const;
export type ShipmentState = (typeof SHIPMENT_STATES)[number];

export type NotificationStatus =
  | "awaiting-reply"
  | "no-objection"
  | "objection"
  | "information-requested"
  | "no-reply"
  | "withdrawn";

export type LifecycleEvent =
  | { type: "sent"; at: Date; by: "exporter"; replyBy: Date }
  | { type: "amended"; at: Date; by: "exporter"; replyBy: Date }
  | { type: "withdrawn"; at: Date; by: "exporter"; reason: string }
  | { type: "replied"; at: Date; by: "importer"; reply: ReplyKind; version: number }
  | { type: "shipment"; at: Date; by: "exporter" | "importer"; state: ShipmentState }
  /**
   * The deadline of `version` passed unanswered. Each node's sweeper records it by itself, with the same id and
   * `at` just after `replyBy`, so both histories hold it without a message crossing; it applies only if no reply
   * to that version came before it in the history (a reply still in transit at the deadline wins on arrival).
   */
  | { type: "no-reply"; at: Date; by: "system"; version: number };

export interface NotificationState {
  status: NotificationStatus;
  /** Each amendment is a new version; a reply answers one version and lapses with it. */
  version: number;
  replyBy: Date;
  shipment: "not-dispatched" | ShipmentState;
}

/** Why an event cannot apply (a refusal code and the reason), or undefined when it can. */
export interface LifecycleRefusal {
  code:
    | "LIAISON_PRECURSORS_REPLY_CLOSED"
    | "LIAISON_PRECURSORS_STALE_VERSION"
    | "LIAISON_PRECURSORS_ALREADY_DISPATCHED"
    | "LIAISON_PRECURSORS_WITHDRAWN"
    | "LIAISON_PRECURSORS_BAD_SHIPMENT_STEP"
    | "LIAISON_PRECURSORS_NOT_SENT"
    | "LIAISON_PRECURSORS_NOT_DUE";
  message: string;
}

/** Where each shipment state may be reached from: arrival follows dispatch; a stop or seizure ends it. */
const SHIPMENT_FROM: Record<ShipmentState, readonly NotificationState["shipment"][]> = {
  dispatched: ["not-dispatched"],
  arrived: ["dispatched"],
  stopped: ["not-dispatched", "dispatched"],
  seized: ["not-dispatched", "dispatched"],
};

const STATUS_OF_REPLY: Record<ReplyKind, NotificationStatus> = {
  "no-objection": "no-objection",
  objection: "objection",
  "request-information": "information-requested",
};

/** Whether `event` may follow `state`; the same check runs on the sending node and on the receiving one. */
export function refusalOf(state: NotificationState | undefined, event: LifecycleEvent): LifecycleRefusal | undefined {
  if (!state) {
    return event.type === "sent"
      ? undefined
      : { code: "LIAISON_PRECURSORS_NOT_SENT", message: "the notification has not been sent" };
  }
  if (event.type === "sent") {
    return { code: "LIAISON_PRECURSORS_NOT_SENT", message: "the notification was already sent" };
  }
  if (state.status === "withdrawn") {
    return { code: "LIAISON_PRECURSORS_WITHDRAWN", message: "the notification was withdrawn" };
  }
  switch (event.type) {
    case "amended":
    case "withdrawn":
      if (state.shipment !== "not-dispatched") {
        return {
          code: "LIAISON_PRECURSORS_ALREADY_DISPATCHED",
          message: `the shipment is ${state.shipment}: a notification is amended or withdrawn only before dispatch`,
        };
      }
      return undefined;
    case "replied":
      if (event.version !== state.version) {
        return {
          code: "LIAISON_PRECURSORS_STALE_VERSION",
          message: `the reply answers version ${event.version}; the notification was amended to version ${state.version}`,
        };
      }
      if (event.at > state.replyBy) {
        return {
          code: "LIAISON_PRECURSORS_REPLY_CLOSED",
          message: `replies were due by ${state.replyBy.toISOString()}; the exporter may amend with a new deadline`,
        };
      }
      return undefined;
    case "no-reply":
      if (state.status !== "awaiting-reply" || event.version !== state.version || event.at <= state.replyBy) {
        return {
          code: "LIAISON_PRECURSORS_NOT_DUE",
          message: `version ${event.version} is not an unanswered notification past its deadline`,
        };
      }
      return undefined;
    case "shipment":
      if (!SHIPMENT_FROM[event.state].includes(state.shipment)) {
        return {
          code: "LIAISON_PRECURSORS_BAD_SHIPMENT_STEP",
          message: `a shipment that is ${state.shipment} cannot be recorded as ${event.state}`,
        };
      }
      return undefined;
  }
}

/** The state after one more event; callers check `refusalOf` first (a refused event leaves the state as it was). */
export function apply(state: NotificationState | undefined, event: LifecycleEvent): NotificationState {
  if (refusalOf(state, event)) return state as NotificationState;
  switch (event.type) {
    case "sent":
      return { status: "awaiting-reply", version: 1, replyBy: event.replyBy, shipment: "not-dispatched" };
    case "amended":
      // An amendment restarts the clock: whatever was answered before answered another notification.
      return {
        ...(state as NotificationState),
        status: "awaiting-reply",
        version: (state?.version ?? 0) + 1,
        replyBy: event.replyBy,
      };
    case "withdrawn":
      return { ...(state as NotificationState), status: "withdrawn" };
    case "replied":
      return { ...(state as NotificationState), status: STATUS_OF_REPLY[event.reply] };
    case "no-reply":
      return { ...(state as NotificationState), status: "no-reply" };
    case "shipment":
      return { ...(state as NotificationState), shipment: event.state };
  }
}

/**
 * Replay a history, skipping refused events. Both nodes replay the same events in the same order (by `at`, then
 * by event id: the repository's order), so two steps taken at once on either side (a reply crossing an
 * amendment) resolve the same way on both: whichever came first applies, the other is shown as not applied.
 */
export function replay(events: readonly LifecycleEvent[]): NotificationState | undefined {
  return events.reduce<NotificationState | undefined>(apply, undefined);
}

/**
 * The status a reader sees at `now`: an unanswered notification past its deadline is `no-reply`. Derived, not
 * stored by a timer alone, so a node that was down when the deadline passed still never shows it as pending.
 */
export function statusAt(state: NotificationState, now: Date): NotificationStatus {
  if (state.status === "awaiting-reply" && now > state.replyBy) return "no-reply";
  return state.status;
}
