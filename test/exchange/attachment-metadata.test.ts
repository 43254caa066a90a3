import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelopeFactory, postBatch } from "../federation/craft.ts";
import { eventually, startTwoNodes, type TestNode } from "../support/nodes.ts";
import { type Actor, actor, allowedMessage, countRows, newThread, outboxCount, type Thread } from "./helpers.ts";

/**
 * Issue 14, attachment metadata: a name and a media type are someone's claims and end up in response headers.
 * A send or a peer's envelope carrying a name or type outside the grammar is refused with a documented code and
 * changes nothing; what is served is built so that it cannot carry anything but a download of known type.
 */
describe("exchange: attachment names and media types never reach headers unchecked (attacker tests)", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let inOfficer: Actor;
  let caOfficer: Actor;
  beforeAll(async () => {
    nodes = await startTwoNodes();
    inOfficer = await actor(nodes.india, "liaison-officer", "in-ncb");
    caOfficer = await actor(nodes.canada, "liaison-officer", "ca-rcmp");
  }, 300_000);
  afterAll(async () => nodes?.close());

  const text = Buffer.from("consignee,quantity\nExample Ltd,200\n").toString("base64");
  const state = async (node: TestNode) => ({
    threads: await countRows(node, "exchange_threads"),
    messages: await countRows(node, "exchange_messages"),
    attachments: await countRows(node, "exchange_attachments"),
    outbox: await outboxCount(node),
  });
  const download = (node: TestNode, id: string, token: string) =>
    node.app.inject({ method: "GET", url: `/api/v1/attachments/${id}`, headers: { authorization: `Bearer ${token}` } });

  /** India sends; Canada has the thread. */
  async function delivered(attachments: unknown[]) {
    const sent = await nodes.india.api<Thread>(
      "POST",
      "/api/v1/threads",
      newThread({}, allowedMessage({ kind: "disclosure", attachments })),
      inOfficer.token,
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    return eventually(async () => {
      const r = await nodes.canada.api<Thread>("GET", `/api/v1/threads/${sent.body.id}`, undefined, caOfficer.token);
      return r.status === 200 && r.body;
    });
  }

  it.each([
    ["a CRLF in the name (header injection)", { name: "a.csv\r\nSet-Cookie: session=x", contentType: "text/csv" }],
    ["a NUL in the name", { name: "a\u0000.csv", contentType: "text/csv" }],
    ["a C1 control in the name", { name: "a\u0085.csv", contentType: "text/csv" }],
    ["a right-to-left override in the name", { name: "invoice\u202Evsc.exe", contentType: "text/csv" }],
    ["a path in the name", { name: "../../etc/passwd", contentType: "text/csv" }],
    ["a Windows path in the name", { name: "C:\\Users\\a.csv", contentType: "text/csv" }],
    ["a name of 201 characters", { name: `${"a".repeat(197)}.csv`, contentType: "text/csv" }],
    ["a blank-padded name", { name: " a.csv", contentType: "text/csv" }],
    ["a CRLF in the media type", { name: "a.csv", contentType: "text/csv\r\nX-Injected: 1" }],
    ["a media type without a subtype", { name: "a.csv", contentType: "text" }],
    ["a media type with spaces", { name: "a.csv", contentType: "text / csv" }],
    ["a media type with a quoted parameter", { name: "a.csv", contentType: 'text/csv; charset="<x>"' }],
  ])("a send with %s is refused (LIAISON_REQUEST_INVALID) and nothing is stored", async (_, meta) => {
    const before = await state(nodes.india);
    const sent = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/threads",
      newThread({}, allowedMessage({ kind: "disclosure", attachments: [{ ...meta, content: text }] })),
      inOfficer.token,
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(400);
    expect(sent.body.code).toBe("LIAISON_REQUEST_INVALID");
    expect(await state(nodes.india)).toEqual(before);
  });

  it("a well-formed type outside the allow-list is refused (415) and nothing is stored", async () => {
    const before = await state(nodes.india);
    const sent = await nodes.india.api<{ code: string }>(
      "POST",
      "/api/v1/threads",
      newThread(
        {},
        allowedMessage({
          kind: "disclosure",
          attachments: [{ name: "a.html", contentType: "text/html", content: text }],
        }),
      ),
      inOfficer.token,
    );
    expect(sent.status).toBe(415);
    expect(sent.body.code).toBe("LIAISON_EXCHANGE_ATTACHMENT_TYPE_NOT_ALLOWED");
    expect(await state(nodes.india)).toEqual(before);
  });

  it("serves any valid name as a download (RFC 6266 / 8187), with its type and nosniff", async () => {
    const name = 'सूची "final"; v2.csv';
    const received = await delivered([{ name, contentType: "text/csv; charset=utf-8", content: text }]);
    const attachment = received.messages[0]?.attachments?.[0];
    expect(attachment?.name).toBe(name);
    const response = await download(nodes.canada, attachment?.id as string, caOfficer.token);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/csv");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    const disposition = String(response.headers["content-disposition"]);
    expect(disposition.startsWith("attachment;")).toBe(true);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent(name).replace(/'/g, "%27")}`);
  });

  it("serves a stored row with a bad name or type neutralised: opaque bytes, a download without a name", async () => {
    // Rows written before these checks: the header builder must not trust them either.
    const received = await delivered([{ name: "ledger.csv", contentType: "text/csv", content: text }]);
    const id = received.messages[0]?.attachments?.[0]?.id as string;
    await nodes.canada.deps.database.db
      .updateTable("exchange_attachments")
      .set({ name: "x.csv\r\nSet-Cookie: session=x", content_type: "text/html" })
      .where("id", "=", id)
      .execute();
    const response = await download(nodes.canada, id, caOfficer.token);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/octet-stream");
    expect(response.headers["content-disposition"]).toBe("attachment");
    expect(response.headers["set-cookie"]).toBeUndefined();
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });

  describe("a peer's envelope carrying such metadata is refused and audited", () => {
    /** An `exchange.message` body as India would send it, with one attachment of the given metadata. */
    function messageBody(meta: { name: string; contentType: string }) {
      const bytes = Buffer.from("a,b\n1,2\n");
      return {
        thread: { id: randomUUID(), lane: "drugs", subject: "Forged metadata", fromAgency: "in-ncb", toAgency: null },
        message: {
          id: randomUUID(),
          kind: "disclosure",
          text: "See attached.",
          priority: "routine",
          fromAgency: "in-ncb",
          toAgency: null,
          sentBy: "someone",
          entities: [],
          attachments: [
            {
              id: randomUUID(),
              ...meta,
              size: bytes.length,
              sha256: createHash("sha256").update(bytes).digest("hex"),
              content: bytes.toString("base64"),
            },
          ],
          tlp: "TLP:AMBER",
          permittedUse: ["H0", "H1"],
          handlingNote: null,
          legalBases: ["BI-WORKPLAN-2026"],
          personalData: false,
          dataSubjects: [],
          grading: null,
          retentionUntil: null,
          recipients: [],
          responseType: null,
          refusalReason: null,
          refusalCode: null,
          refersTo: null,
          consentGranted: null,
          onwardRecipient: null,
        },
      };
    }

    type Rejection = { index: number; actor: string; details?: { code?: string } };
    const rejections = async () => {
      await nodes.canada.deps.audit.sequenceQueued();
      const audit = await nodes.canada.deps.audit.events({ action: "envelope.reject", limit: 500 });
      return (audit.items as Rejection[]).filter((r) => r.details?.code === "LIAISON_FEDERATION_PAYLOAD_INVALID");
    };

    it.each([
      ["a CRLF in the name", { name: "a.csv\r\nSet-Cookie: session=x", contentType: "text/csv" }],
      ["a path in the name", { name: "../a.csv", contentType: "text/csv" }],
      ["a CRLF in the media type", { name: "a.csv", contentType: "text/csv\r\nX-Injected: 1" }],
      ["a bogus media type", { name: "a.csv", contentType: "<script>" }],
    ])("%s: LIAISON_FEDERATION_PAYLOAD_INVALID, not stored, an envelope.reject record", async (_, meta) => {
      const craft = envelopeFactory(nodes.india, nodes.canada);
      const before = await state(nodes.canada);
      const recordsBefore = await rejections();
      const body = messageBody(meta);
      const payload = craft.payload({ type: "exchange.message", body });
      const response = await postBatch(nodes.canada, { envelopes: [await craft.seal(payload)] });
      expect(response.body.results[0]?.error?.code, JSON.stringify(response.body)).toBe(
        "LIAISON_FEDERATION_PAYLOAD_INVALID",
      );
      expect(await state(nodes.canada)).toEqual(before);
      const inbox = await nodes.canada.deps.database.db
        .selectFrom("inbox")
        .select("envelope_id")
        .where("envelope_id", "=", payload.id)
        .execute();
      expect(inbox).toEqual([]);
      const records = await rejections();
      expect(records).toHaveLength(recordsBefore.length + 1);
      const record = records.find((r) => !recordsBefore.some((b) => b.index === r.index));
      expect(record?.actor).toBe("peer:IN");
      // The record names the rule broken, not the text the peer chose.
      expect(JSON.stringify(record)).not.toContain("Set-Cookie");
      expect(JSON.stringify(record)).not.toContain("<script>");
    });

    it("the same envelope with clean metadata is accepted (the refusal above is the metadata's)", async () => {
      const craft = envelopeFactory(nodes.india, nodes.canada);
      const body = messageBody({ name: "a.csv", contentType: "text/csv" });
      const payload = craft.payload({ type: "exchange.message", body });
      const response = await postBatch(nodes.canada, { envelopes: [await craft.seal(payload)] });
      expect(response.body.results[0]?.error, JSON.stringify(response.body)).toBeUndefined();
      const stored = await nodes.canada.deps.database.db
        .selectFrom("exchange_attachments")
        .select("name")
        .where("message_id", "=", body.message.id)
        .execute();
      expect(stored).toEqual([{ name: "a.csv" }]);
    });
  });
});
