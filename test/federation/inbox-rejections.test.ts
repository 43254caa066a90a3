import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { startTwoNodes } from "../support/nodes.ts";
import { envelopeFactory, postBatch, storedCounts, tamperCiphertext } from "./craft.ts";

const LIMITS = {
  maxBodyBytes: 64 * 1024,
  maxEnvelopeBytes: 16 * 1024,
  maxBatchEnvelopes: 5,
  maxEnvelopeAgeSeconds: 3600,
  maxClockSkewSeconds: 60,
};

/** Every bad envelope goes through real HTTP to Canada and must be refused with its code, storing nothing. */
describe("inbox refuses bad envelopes over HTTP", () => {
  let nodes: Awaited<ReturnType<typeof startTwoNodes>>;
  let craft: ReturnType<typeof envelopeFactory>;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    nodes = await startTwoNodes({ clock, config: { federation: LIMITS } });
    craft = envelopeFactory(nodes.india, nodes.canada);
  }, 180_000);
  afterAll(async () => nodes?.close());

  /** Post one envelope; assert its per-envelope code and that Canada stored nothing. */
  async function expectRefused(jwe: string, code: string) {
    const before = await storedCounts(nodes.canada);
    const response = await postBatch(nodes.canada, { envelopes: [jwe] });
    expect(response.status).toBe(200);
    expect(response.body.results).toHaveLength(1);
    expect(response.body.results[0]?.error?.code).toBe(code);
    expect(response.body.results[0]?.receipt).toBeUndefined();
    expect(await storedCounts(nodes.canada)).toEqual(before);
  }

  it("accepts a good envelope, and answers the same envelope again with the identical receipt", async () => {
    const before = await storedCounts(nodes.canada);
    const jwe = await craft.seal();
    const first = await postBatch(nodes.canada, { envelopes: [jwe] });
    const second = await postBatch(nodes.canada, { envelopes: [jwe] });
    expect(first.body.results[0]?.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(second.body.results[0]).toEqual(first.body.results[0]);
    expect(await storedCounts(nodes.canada)).toEqual({ inbox: before.inbox + 1, notices: before.notices + 1 });
  });

  it("refuses a malformed JWE", async () => {
    await expectRefused("not.a.jwe", "LIAISON_FEDERATION_ENVELOPE_MALFORMED");
    await expectRefused("a.b.c.d.e", "LIAISON_FEDERATION_ENVELOPE_MALFORMED");
  });

  it("refuses an envelope encrypted to a key it does not hold (unknown kid)", async () => {
    await expectRefused(await craft.sealToUnknownKey(), "LIAISON_FEDERATION_UNKNOWN_RECIPIENT_KEY");
  });

  it("refuses a signature by a key that is not the pinned peer's", async () => {
    // The forger claims India's kid: the signature must not verify with India's pinned key.
    const claimed = await craft.sealWithForeignSigner(craft.payload(), nodes.india.deps.keys.signing.kid);
    await expectRefused(claimed, "LIAISON_FEDERATION_SIGNATURE_INVALID");
    // The forger uses its own kid: no pinned peer has it.
    await expectRefused(await craft.sealWithForeignSigner(craft.payload()), "LIAISON_FEDERATION_UNKNOWN_SIGNING_KEY");
  });

  it("refuses a tampered ciphertext", async () => {
    await expectRefused(tamperCiphertext(await craft.seal()), "LIAISON_FEDERATION_ENVELOPE_DECRYPT_FAILED");
  });

  it("refuses an envelope addressed to another party", async () => {
    await expectRefused(await craft.seal(craft.payload({ to: "US" })), "LIAISON_FEDERATION_WRONG_RECIPIENT");
  });

  it("refuses a replayed id with different content and keeps the original", async () => {
    const original = craft.payload();
    const first = await postBatch(nodes.canada, { envelopes: [await craft.seal(original)] });
    expect(first.body.results[0]?.receipt).toBeDefined();
    const changed = { ...original, body: { ...original.body, text: "altered" } };
    await expectRefused(await craft.seal(changed), "LIAISON_FEDERATION_ENVELOPE_ID_CONFLICT");
    const kept = await nodes.canada.deps.database.db
      .selectFrom("notices")
      .select("text")
      .where("envelope_id", "=", original.id)
      .execute();
    expect(kept).toEqual([{ text: original.body.text }]);
  });

  it("refuses a stale envelope once the clock has moved past the accepted age", async () => {
    const jwe = await craft.seal();
    clock.advance((LIMITS.maxEnvelopeAgeSeconds + 1) * 1000);
    try {
      await expectRefused(jwe, "LIAISON_FEDERATION_ENVELOPE_STALE");
    } finally {
      clock.advance(-(LIMITS.maxEnvelopeAgeSeconds + 1) * 1000);
    }
  });

  it("refuses a future-dated envelope beyond the clock skew", async () => {
    const ahead = new Date(clock.now().getTime() + (LIMITS.maxClockSkewSeconds + 5) * 1000).toISOString();
    await expectRefused(await craft.seal(craft.payload({ createdAt: ahead })), "LIAISON_FEDERATION_ENVELOPE_FUTURE");
  });

  it("refuses an oversized envelope inside an acceptable body", async () => {
    const big = craft.payload();
    big.body = { ...big.body, text: "x".repeat(3000), padding: "y".repeat(LIMITS.maxEnvelopeBytes) };
    await expectRefused(await craft.seal(big), "LIAISON_FEDERATION_ENVELOPE_TOO_LARGE");
  });

  it("refuses an oversized body and a too large batch as a whole, with problem+json", async () => {
    const before = await storedCounts(nodes.canada);
    const huge = await postBatch(nodes.canada, { envelopes: ["x".repeat(LIMITS.maxBodyBytes + 1)] });
    expect(huge.status).toBe(413);
    expect(huge.contentType).toContain("application/problem+json");
    expect(huge.body.code).toBe("LIAISON_REQUEST_TOO_LARGE");

    const good = await Promise.all(Array.from({ length: LIMITS.maxBatchEnvelopes + 1 }, () => craft.seal()));
    const tooMany = await postBatch(nodes.canada, { envelopes: good });
    expect(tooMany.status).toBe(413);
    expect(tooMany.contentType).toContain("application/problem+json");
    expect(tooMany.body.code).toBe("LIAISON_FEDERATION_BATCH_TOO_LARGE");

    const notJson = await postBatch(nodes.canada, "{not json", true);
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe("LIAISON_REQUEST_MALFORMED");
    const noList = await postBatch(nodes.canada, { envelopes: "x" });
    expect(noList.status).toBe(400);
    expect(noList.body.code).toBe("LIAISON_REQUEST_INVALID");
    expect(await storedCounts(nodes.canada)).toEqual(before);
  });

  it("answers a mixed batch envelope by envelope, storing only the good ones", async () => {
    const before = await storedCounts(nodes.canada);
    const good1 = craft.payload();
    const good2 = craft.payload();
    const batch = [
      await craft.seal(good1),
      tamperCiphertext(await craft.seal()),
      await craft.seal(good2),
      await craft.seal(craft.payload({ to: "US" })),
      "garbage",
    ];
    const response = await postBatch(nodes.canada, { envelopes: batch });
    expect(response.status).toBe(200);
    const results = response.body.results;
    expect(results.map((r) => r.error?.code ?? "ok")).toEqual([
      "ok",
      "LIAISON_FEDERATION_ENVELOPE_DECRYPT_FAILED",
      "ok",
      "LIAISON_FEDERATION_WRONG_RECIPIENT",
      "LIAISON_FEDERATION_ENVELOPE_MALFORMED",
    ]);
    expect(results[0]?.envelopeId).toBe(good1.id);
    expect(results[2]?.envelopeId).toBe(good2.id);
    expect(results.every((r) => r.error === undefined || r.error.retryable === false)).toBe(true);
    expect(await storedCounts(nodes.canada)).toEqual({ inbox: before.inbox + 2, notices: before.notices + 2 });
  });
});
