import { describe, expect, it } from "vitest";
import { apply, type LifecycleEvent, refusalOf, replay, statusAt } from "./precursors.lifecycle.ts";

const day = (d: number) => new Date(Date.UTC(2026, 11, d));
const sent: LifecycleEvent = { type: "sent", at: day(1), by: "exporter", replyBy: day(8) };

describe("a pre-export notification's life", () => {
  it("waits for a reply, and an unanswered deadline is no-reply, never consent", () => {
    const state = replay([sent]);
    expect(state && statusAt(state, day(5))).toBe("awaiting-reply");
    expect(state && statusAt(state, day(9))).toBe("no-reply");
  });

  it("takes the importer's answer until replyBy, and refuses it after", () => {
    const state = replay([sent]);
    const objection: LifecycleEvent = { type: "replied", at: day(3), by: "importer", reply: "objection", version: 1 };
    expect(refusalOf(state, objection)).toBeUndefined();
    expect(apply(state, objection).status).toBe("objection");
    const late = { ...objection, at: day(9) };
    expect(refusalOf(state, late)?.code).toBe("LIAISON_PRECURSORS_REPLY_CLOSED");
    expect(apply(state, late)).toEqual(state);
  });

  it("restarts the clock on an amendment, and a reply to the old version lapses", () => {
    const answered = replay([
      sent,
      { type: "replied", at: day(2), by: "importer", reply: "request-information", version: 1 },
    ]);
    expect(answered?.status).toBe("information-requested");
    const amended = apply(answered, { type: "amended", at: day(3), by: "exporter", replyBy: day(20) });
    expect(amended).toMatchObject({ status: "awaiting-reply", version: 2, replyBy: day(20) });
    expect(statusAt(amended, day(10))).toBe("awaiting-reply");
    const stale: LifecycleEvent = { type: "replied", at: day(4), by: "importer", reply: "no-objection", version: 1 };
    expect(refusalOf(amended, stale)?.code).toBe("LIAISON_PRECURSORS_STALE_VERSION");
    expect(apply(amended, { ...stale, version: 2 }).status).toBe("no-objection");
  });

  it("is amended or withdrawn only before dispatch", () => {
    const dispatched = replay([sent, { type: "shipment", at: day(2), by: "exporter", state: "dispatched" }]);
    expect(dispatched?.shipment).toBe("dispatched");
    for (const late of [
      { type: "amended", at: day(3), by: "exporter", replyBy: day(20) },
      { type: "withdrawn", at: day(3), by: "exporter", reason: "cancelled" },
    ] as LifecycleEvent[]) {
      expect(refusalOf(dispatched, late)?.code).toBe("LIAISON_PRECURSORS_ALREADY_DISPATCHED");
    }
    const withdrawn = replay([sent, { type: "withdrawn", at: day(2), by: "exporter", reason: "order cancelled" }]);
    expect(withdrawn?.status).toBe("withdrawn");
    expect(
      refusalOf(withdrawn, { type: "replied", at: day(3), by: "importer", reply: "objection", version: 1 })?.code,
    ).toBe("LIAISON_PRECURSORS_WITHDRAWN");
  });

  it.each([
    [["dispatched", "arrived"], "arrived", undefined],
    [["dispatched", "seized"], "seized", undefined],
    [["stopped"], "stopped", undefined],
    [["arrived"], "not-dispatched", "LIAISON_PRECURSORS_BAD_SHIPMENT_STEP"],
    [["dispatched", "arrived", "seized"], "arrived", "LIAISON_PRECURSORS_BAD_SHIPMENT_STEP"],
    [["dispatched", "dispatched"], "dispatched", "LIAISON_PRECURSORS_BAD_SHIPMENT_STEP"],
  ] as const)("records the shipment %o as %s", (steps, final, refused) => {
    const events: LifecycleEvent[] = [sent];
    let refusal: string | undefined;
    for (const [i, state] of steps.entries()) {
      const event: LifecycleEvent = { type: "shipment", at: day(2 + i), by: "importer", state };
      refusal = refusalOf(replay(events), event)?.code ?? refusal;
      events.push(event);
    }
    expect(replay(events)?.shipment).toBe(final);
    expect(refusal).toBe(refused);
  });

  it("replays to the same state whichever node replays it", () => {
    const history: LifecycleEvent[] = [
      sent,
      { type: "replied", at: day(2), by: "importer", reply: "request-information", version: 1 },
      { type: "amended", at: day(3), by: "exporter", replyBy: day(15) },
      { type: "replied", at: day(4), by: "importer", reply: "no-objection", version: 2 },
      { type: "shipment", at: day(6), by: "exporter", state: "dispatched" },
      { type: "shipment", at: day(9), by: "importer", state: "arrived" },
    ];
    expect(replay(history)).toEqual({ status: "no-objection", version: 2, replyBy: day(15), shipment: "arrived" });
    expect(refusalOf(undefined, history[1] as LifecycleEvent)?.code).toBe("LIAISON_PRECURSORS_NOT_SENT");
  });

  it("records the deadline passing only for an unanswered version past its deadline", () => {
    const lapsed: LifecycleEvent = { type: "no-reply", at: new Date(day(8).getTime() + 1), by: "system", version: 1 };
    expect(replay([sent, lapsed])?.status).toBe("no-reply");
    // Too early, or for a version since amended: it does not apply.
    expect(refusalOf(replay([sent]), { ...lapsed, at: day(7) })?.code).toBe("LIAISON_PRECURSORS_NOT_DUE");
    const amended = replay([sent, { type: "amended", at: day(2), by: "exporter", replyBy: day(20) }]);
    expect(refusalOf(amended, lapsed)?.code).toBe("LIAISON_PRECURSORS_NOT_DUE");
    // A reply dated before the deadline, arriving after the no-reply was recorded, sorts first and wins.
    const reply: LifecycleEvent = { type: "replied", at: day(7), by: "importer", reply: "no-objection", version: 1 };
    expect(replay([sent, reply, lapsed])?.status).toBe("no-objection");
    // After no-reply the exporter may amend: the clock restarts for version 2.
    const restarted = replay([sent, lapsed, { type: "amended", at: day(9), by: "exporter", replyBy: day(20) }]);
    expect(restarted).toMatchObject({ status: "awaiting-reply", version: 2 });
  });
});
