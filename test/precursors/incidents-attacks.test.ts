import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { uuidv7 } from "../../src/core/ids.ts";
import { envelopeFactory, postBatch } from "../federation/craft.ts";
import { eventually, startTwoNodes } from "../support/nodes.ts";
import {
  ANPP,
  type Authorities,
  authorities,
  countPrecursorRows,
  type Detail,
  detailOn,
  notification,
  type Problem,
  step,
  until,
} from "./helpers.ts";

type Incident = { id: string; kind: string; notificationId: string | null; entities: unknown[]; direction: string };

describe("precursor incidents, bad input and attacks between two nodes", () => {
  const clock = new ManualClock(new Date());
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let who: Authorities;
  let shared: Detail;
  beforeAll(async () => {
    nodes = await startTwoNodes({ clock });
    who = await authorities(nodes.india, nodes.canada);
    const sent = await nodes.india.api<Detail>(
      "POST",
      "/api/v1/precursors/notifications",
      notification(clock),
      who.ncb.token,
    );
    shared = await until(nodes.canada, who.hc, sent.body.id, () => true);
  }, 180_000);
  afterAll(async () => nodes?.close());

  const incident = (overrides: Record<string, unknown> = {}) => ({
    to: "IN",
    kind: "seizure",
    notificationId: shared.id,
    substances: [{ cas: ANPP, quantity: { amount: "4.5", unit: "kg" } }],
    occurredOn: "2026-11-28",
    place: "Port of Vancouver, container terminal",
    modusOperandi: "Declared as a dye intermediate; false consignee address.",
    entities: [{ type: "organisation", name: "Northstar Trading Ltd" }],
    summary: "CBSA seized 4.5 kg of ANPP hidden in a consignment of pigments.",
    legalBases: ["UN-1988-ART12"],
    ...overrides,
  });

  it("shares an incident, linked to a notification, with its entities and caveats", async () => {
    const sent = await nodes.canada.api<Incident>("POST", "/api/v1/precursors/incidents", incident(), who.cbsa.token);
    expect(sent.status).toBe(201);
    const received = await eventually(async () => {
      const r = await nodes.india.api<Incident>(
        "GET",
        `/api/v1/precursors/incidents/${sent.body.id}`,
        undefined,
        who.ncb.token,
      );
      return r.status === 200 && r.body;
    });
    expect(received).toMatchObject({ direction: "inbound", kind: "seizure", notificationId: shared.id });
    expect(received.entities).toEqual([{ type: "organisation", name: "Northstar Trading Ltd" }]);
    const list = await nodes.india.api<{ items: Incident[] }>(
      "GET",
      `/api/v1/precursors/incidents?kind=seizure&notificationId=${shared.id}`,
      undefined,
      who.ncb.token,
    );
    expect(list.body.items.map((i) => i.id)).toEqual([sent.body.id]);
  });

  it("lets Health Canada cite the Precursor Control Regulations, and refuses them for CBSA, whom they do not serve", async () => {
    const hc = await nodes.canada.api<Incident>(
      "POST",
      "/api/v1/precursors/incidents",
      incident({ kind: "suspicious-order", legalBases: ["CA-PCR-2016-294"] }),
      who.hc.token,
    );
    expect(hc.status).toBe(201);
    await eventually(
      async () =>
        (await nodes.india.api("GET", `/api/v1/precursors/incidents/${hc.body.id}`, undefined, who.ncb.token))
          .status === 200,
    );
    const before = await countPrecursorRows(nodes.canada);
    const cbsa = await nodes.canada.api<Problem & { decision: { reasons: { policy: string }[] } }>(
      "POST",
      "/api/v1/precursors/incidents",
      incident({ legalBases: ["CA-PCR-2016-294"] }),
      who.cbsa.token,
    );
    expect(cbsa.status).toBe(422);
    expect(cbsa.body.code).toBe("LIAISON_PRECURSORS_COMPLIANCE_REFUSED");
    expect(cbsa.body.decision.reasons.map((r) => r.policy)).toContain("ca-basis-of-another-agency");
    expect(await countPrecursorRows(nodes.canada)).toEqual(before);
  });

  it("refuses a person named without the mistreatment-risk assessment CBSA's directions ask for", async () => {
    const before = await countPrecursorRows(nodes.canada);
    const refused = await nodes.canada.api<Problem>(
      "POST",
      "/api/v1/precursors/incidents",
      incident({ entities: [{ type: "person", name: "Arjun Example", dateOfBirth: "1980-01-01" }] }),
      who.cbsa.token,
    );
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("LIAISON_PRECURSORS_COMPLIANCE_REFUSED");
    expect(await countPrecursorRows(nodes.canada)).toEqual(before);
  });

  it("answers bad input with problem+json and changes nothing", async () => {
    const before = { india: await countPrecursorRows(nodes.india), canada: await countPrecursorRows(nodes.canada) };
    const cases: [Record<string, unknown>, number, string][] = [
      [notification(clock, { extra: true }), 400, "LIAISON_REQUEST_INVALID"],
      [notification(clock, { quantity: { amount: "0", unit: "kg" } }), 400, "LIAISON_REQUEST_INVALID"],
      [notification(clock, { quantity: { amount: "1.2345", unit: "kg" } }), 400, "LIAISON_REQUEST_INVALID"],
      [notification(clock, { tlp: "TLP:RED" }), 400, "LIAISON_REQUEST_INVALID"],
      [
        notification(clock, { replyBy: new Date(clock.now().getTime() - 1000).toISOString() }),
        400,
        "LIAISON_PRECURSORS_REPLY_BY_PAST",
      ],
      [notification(clock, { to: "IN" }), 400, "LIAISON_PRECURSORS_TO_SELF"],
      [notification(clock, { legalBases: ["NO-SUCH-LAW"] }), 400, "LIAISON_COMPLIANCE_UNKNOWN_INSTRUMENT"],
      [notification(clock, { legalBases: ["CA-PCR-2016-294"] }), 422, "LIAISON_PRECURSORS_COMPLIANCE_REFUSED"],
      [notification(clock, { fromAgency: "in-cbi" }), 403, "LIAISON_POLICY_DENIED"],
    ];
    for (const [body, status, code] of cases) {
      const response = await nodes.india.api<Problem>("POST", "/api/v1/precursors/notifications", body, who.ncb.token);
      expect([response.status, response.body.code]).toEqual([status, code]);
    }
    const badIncident = await nodes.canada.api<Problem>(
      "POST",
      "/api/v1/precursors/incidents",
      incident({ substances: [{ cas: "21409-26-8" }] }),
      who.cbsa.token,
    );
    expect([badIncident.status, badIncident.body.code]).toEqual([400, "LIAISON_PRECURSORS_BAD_CAS"]);
    // Steps the side does not take, and ids that do not exist (or that the caller may not see).
    const ownReply = await step(nodes.india, who.ncb, shared.id, "reply", { reply: "no-objection", version: 1 });
    expect([ownReply.status, ownReply.body.code]).toEqual([409, "LIAISON_PRECURSORS_NOT_IMPORTER"]);
    const importerAmends = await step(nodes.canada, who.hc, shared.id, "withdraw", { reason: "not ours" });
    expect([importerAmends.status, importerAmends.body.code]).toEqual([409, "LIAISON_PRECURSORS_NOT_EXPORTER"]);
    const missing = await detailOn(nodes.india, who.ncb, uuidv7());
    expect([missing.status, (missing.body as unknown as Problem).code]).toEqual([404, "LIAISON_PRECURSORS_NOT_FOUND"]);
    const hidden = await detailOn(nodes.canada, who.rcmp, shared.id);
    expect([hidden.status, (hidden.body as unknown as Problem).code]).toEqual([404, "LIAISON_PRECURSORS_NOT_FOUND"]);
    expect(await countPrecursorRows(nodes.india)).toEqual(before.india);
    expect(await countPrecursorRows(nodes.canada)).toEqual(before.canada);
  });

  describe("envelopes", () => {
    const eventsOf = async (id: string) =>
      (
        await nodes.india.deps.database.db
          .selectFrom("precursor_events")
          .select("id")
          .where("notification_id", "=", id)
          .execute()
      ).length;
    const replyEnvelope = (event: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) => {
      const craft = envelopeFactory(nodes.canada, nodes.india);
      const at = clock.now().toISOString();
      return {
        craft,
        payload: craft.payload({
          type: "precursors.event",
          body: {
            notificationId: shared.id,
            event: {
              id: uuidv7(),
              at,
              actor: "forger",
              version: 1,
              details: { type: "replied", reply: "no-objection" },
              ...event,
            },
          },
          ...overrides,
        }),
      };
    };

    it("refuses a forged answer (not signed by Canada's pinned key) and changes nothing", async () => {
      const before = await eventsOf(shared.id);
      const { craft, payload } = replyEnvelope();
      const forged = await craft.sealWithForeignSigner(payload, nodes.canada.deps.keys.signing.kid);
      const result = await postBatch(nodes.india, { envelopes: [forged] });
      expect(result.body.results[0]?.error?.code).toBe("LIAISON_FEDERATION_SIGNATURE_INVALID");
      expect(await eventsOf(shared.id)).toBe(before);
      expect((await detailOn(nodes.india, who.ncb, shared.id)).body.status).toBe("awaiting-reply");
    });

    it("refuses a step the importer does not take, a replayed step id, a misdated one, and an unknown notification", async () => {
      const before = await eventsOf(shared.id);
      const amend = replyEnvelope({ details: { type: "withdrawn", reason: "importer pretends to withdraw" } });
      const wrongSide = await postBatch(nodes.india, { envelopes: [await amend.craft.seal(amend.payload)] });
      expect(wrongSide.body.results[0]?.error?.code).toBe("LIAISON_PRECURSORS_WRONG_SIDE");

      const misdated = replyEnvelope({ at: new Date(clock.now().getTime() - 3_600_000).toISOString() });
      const late = await postBatch(nodes.india, { envelopes: [await misdated.craft.seal(misdated.payload)] });
      expect(late.body.results[0]?.error?.code).toBe("LIAISON_PRECURSORS_STEP_MISDATED");

      const unknown = replyEnvelope({}, {});
      (unknown.payload.body as { notificationId: string }).notificationId = uuidv7();
      const none = await postBatch(nodes.india, { envelopes: [await unknown.craft.seal(unknown.payload)] });
      expect(none.body.results[0]?.error?.code).toBe("LIAISON_PRECURSORS_NOT_FOUND");
      expect(await eventsOf(shared.id)).toBe(before);

      // A genuine answer goes through once; its envelope again is the same receipt, its step id again is refused.
      const genuine = replyEnvelope();
      const jwe = await genuine.craft.seal(genuine.payload);
      const first = await postBatch(nodes.india, { envelopes: [jwe] });
      expect(first.body.results[0]?.receipt).toBeDefined();
      const again = await postBatch(nodes.india, { envelopes: [jwe] });
      expect(again.body.results[0]).toEqual(first.body.results[0]);
      const copy = envelopeFactory(nodes.canada, nodes.india).payload({
        type: "precursors.event",
        body: genuine.payload.body,
      });
      const replayed = await postBatch(nodes.india, { envelopes: [await genuine.craft.seal(copy)] });
      expect(replayed.body.results[0]?.error?.code).toBe("LIAISON_PRECURSORS_CONFLICT");
      expect(await eventsOf(shared.id)).toBe(before + 1);
      expect((await detailOn(nodes.india, who.ncb, shared.id)).body.status).toBe("no-objection");
    });
  });
});
