import { describe, expect, it } from "vitest";
import { isValidCasNumber } from "../../core/cas-number.ts";
import { checkAttachment, decryptAttachment, encryptAttachment } from "./exchange.attachments.ts";
import { dueReminders, durationMs } from "./exchange.deadlines.ts";
import { Entity, isValidIban } from "./exchange.entities.ts";

describe("entity checks", () => {
  it.each([
    ["39742-60-4", true], // NPP
    ["21409-26-7", true], // ANPP
    ["1609-66-1", true], // norfentanyl
    ["39742-60-5", false],
    ["3974260-4", false],
  ])("CAS %s valid: %s", (cas, valid) => expect(isValidCasNumber(cas)).toBe(valid));

  it.each([
    ["GB82 WEST 1234 5698 7654 32", true],
    ["DE89370400440532013000", true],
    ["GB82WEST12345698765433", false],
    ["1234", false],
  ])("IBAN %s valid: %s", (iban, valid) => expect(isValidIban(iban)).toBe(valid));

  it.each([
    [{ type: "phone", number: "+14165550199" }, true],
    [{ type: "phone", number: "+919812345678" }, true],
    [{ type: "phone", number: "+1416" }, false],
    [{ type: "email", address: "someone@example.org" }, true],
    [{ type: "email", address: "not-an-email" }, false],
    [{ type: "vessel", name: "MV Example", imo: "IMO 9074729" }, true],
    [{ type: "vessel", name: "MV Example", imo: "IMO 9074728" }, false],
    [{ type: "bank-account", accountNumber: "50100012345678", bankCode: "HDFC0000001" }, true],
    [{ type: "bank-account", holder: "nobody" }, false],
    [{ type: "spaceship", name: "x" }, false],
  ])("%j valid: %s", (entity, valid) => expect(Entity.safeParse(entity).success).toBe(valid));
});

describe("attachments", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
  it("accepts content of its declared type and records its SHA-256", () => {
    const a = checkAttachment({ name: "a.png", contentType: "image/png", content: png.toString("base64") }, 100, 0);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
  it.each([
    ["image/png", Buffer.from("hello"), "LIAISON_EXCHANGE_ATTACHMENT_CONTENT_MISMATCH"],
    ["application/json", Buffer.from("{not json"), "LIAISON_EXCHANGE_ATTACHMENT_CONTENT_MISMATCH"],
    ["text/plain", Buffer.from([0x41, 0, 0x42]), "LIAISON_EXCHANGE_ATTACHMENT_CONTENT_MISMATCH"],
    ["application/zip", Buffer.from("PK"), "LIAISON_EXCHANGE_ATTACHMENT_TYPE_NOT_ALLOWED"],
    ["text/plain", Buffer.alloc(101, 65), "LIAISON_EXCHANGE_ATTACHMENT_TOO_LARGE"],
  ])("refuses %s with %s", (contentType, bytes, code) => {
    expect(() => checkAttachment({ name: "x", contentType, content: bytes.toString("base64") }, 100, 0)).toThrow(
      expect.objectContaining({ code }),
    );
  });
  it("encrypts at rest and binds the ciphertext to its id", () => {
    const key = Buffer.alloc(32, 7);
    const sealed = encryptAttachment(key, "id-1", png);
    expect(decryptAttachment(key, "id-1", sealed).equals(png)).toBe(true);
    expect(() => decryptAttachment(key, "id-2", sealed)).toThrow();
  });
});

describe("deadlines", () => {
  it("parses handling.json durations", () => {
    expect(durationMs("PT8H")).toBe(8 * 3_600_000);
    expect(durationMs("P3D")).toBe(3 * 86_400_000);
    expect(() => durationMs("8 hours")).toThrow();
  });
  it("reminds at 50% and 90%, then the breach alone", () => {
    const start = new Date("2026-03-01T00:00:00Z");
    const due = new Date("2026-03-01T10:00:00Z");
    const at = (h: number) => dueReminders("respond", start, due, new Date(start.getTime() + h * 3_600_000));
    expect(at(4).map((r) => r.kind)).toEqual([]);
    expect(at(5).map((r) => r.kind)).toEqual(["respond-50"]);
    expect(at(9).map((r) => r.kind)).toEqual(["respond-50", "respond-90"]);
    expect(at(10).map((r) => r.kind)).toEqual(["respond-breach"]);
  });
});
