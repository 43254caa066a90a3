import { describe, expect, it } from "vitest";
import { isLiaisonError } from "../../src/core/errors.ts";
import {
  type IdentifierType,
  type NormaliseOptions,
  normaliseIdentifier,
  normaliseList,
} from "../../src/modules/matching/matching.normalise.ts";

// [type, raw, options, canonical]: differently written equal values must land on one canonical string.
const valid: [IdentifierType, string, NormaliseOptions, string][] = [
  ["phone", "+91 98123 45678", {}, "+919812345678"],
  ["phone", "+919812345678", {}, "+919812345678"],
  ["phone", "098123 45678", { defaultCountry: "IN" }, "+919812345678"],
  ["phone", "(416) 555-0123", { defaultCountry: "CA" }, "+14165550123"],
  ["phone", "+1 416-555-0123", {}, "+14165550123"],
  ["phone", "011 91 98123 45678", { defaultCountry: "CA" }, "+919812345678"],
  ["travel-document", "IND:K1234567", {}, "IND:K1234567"],
  ["travel-document", "IN: k123 4567", {}, "IND:K1234567"],
  ["travel-document", "k1234567<<", { defaultCountry: "IND" }, "IND:K1234567"],
  ["travel-document", "CA:AB123456", {}, "CAN:AB123456"],
  ["iban", "GB82 WEST 1234 5698 7654 32", {}, "GB82WEST12345698765432"],
  ["iban", "gb82west12345698765432", {}, "GB82WEST12345698765432"],
  ["iban", "DE89-3704-0044-0532-0130-00", {}, "DE89370400440532013000"],
  ["bank-account", "SBIN0001234:000123456789", {}, "SBIN0001234:000123456789"],
  ["bank-account", "sbin0001234 : 0001 2345 6789", {}, "SBIN0001234:000123456789"],
  ["bank-account", "00012-003:1234567", {}, "00012003:1234567"],
  ["crypto-wallet", "0x52908400098527886E0F7030069857D2E4169EE7", {}, "0x52908400098527886e0f7030069857d2e4169ee7"],
  ["crypto-wallet", "ETH:0x52908400098527886e0f7030069857d2e4169ee7", {}, "0x52908400098527886e0f7030069857d2e4169ee7"],
  ["crypto-wallet", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", {}, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"],
  ["crypto-wallet", "BTC: 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", {}, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"],
  ["email", " Courier.One@Example.COM ", {}, "courier.one@example.com"],
  ["email", "kurier@bücher.de", {}, "kurier@xn--bcher-kva.de"],
  ["vehicle", "MH 12 AB 1234", { defaultCountry: "IN" }, "IN:MH12AB1234"],
  ["vehicle", "IND:mh-12-ab-1234", {}, "IN:MH12AB1234"],
  ["vehicle", "1hgcm82633a004352", {}, "VIN:1HGCM82633A004352"],
  ["vehicle", "VIN: 1HGCM82633A004352", {}, "VIN:1HGCM82633A004352"],
  ["company-registration", "IN:U72200MH2000PTC123456", {}, "IN:U72200MH2000PTC123456"],
  ["company-registration", "u72200 mh2000 ptc123456", { defaultCountry: "IN" }, "IN:U72200MH2000PTC123456"],
  ["company-registration", "CAN:123456-7", {}, "CA:1234567"],
];

// [type, raw, options, code]
const refused: [IdentifierType, string, NormaliseOptions, string][] = [
  ["phone", "98123 45678", {}, "LIAISON_MATCHING_INVALID_PHONE"],
  ["phone", "+91 12345", {}, "LIAISON_MATCHING_INVALID_PHONE"],
  ["phone", "+1 416 555 01234", {}, "LIAISON_MATCHING_INVALID_PHONE"],
  ["phone", "not a number", { defaultCountry: "IN" }, "LIAISON_MATCHING_INVALID_PHONE"],
  ["travel-document", "K1234567", {}, "LIAISON_MATCHING_INVALID_TRAVEL_DOCUMENT"],
  ["travel-document", "XXY:K1234567", {}, "LIAISON_MATCHING_INVALID_TRAVEL_DOCUMENT"],
  ["travel-document", "IND:K1", {}, "LIAISON_MATCHING_INVALID_TRAVEL_DOCUMENT"],
  ["travel-document", "IND:K12345$7", {}, "LIAISON_MATCHING_INVALID_TRAVEL_DOCUMENT"],
  ["iban", "GB82 WEST 1234 5698 7654 33", {}, "LIAISON_MATCHING_INVALID_IBAN"],
  ["iban", "12345678", {}, "LIAISON_MATCHING_INVALID_IBAN"],
  ["bank-account", "000123456789", {}, "LIAISON_MATCHING_INVALID_BANK_ACCOUNT"],
  ["bank-account", "SBIN0001234:12", {}, "LIAISON_MATCHING_INVALID_BANK_ACCOUNT"],
  ["bank-account", "BANK:GB82WEST12345698765432", {}, "LIAISON_MATCHING_INVALID_BANK_ACCOUNT"],
  ["crypto-wallet", "bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", {}, "LIAISON_MATCHING_INVALID_CRYPTO_WALLET"],
  ["crypto-wallet", "short", {}, "LIAISON_MATCHING_INVALID_CRYPTO_WALLET"],
  ["email", "no-at-sign.example.com", {}, "LIAISON_MATCHING_INVALID_EMAIL"],
  ["email", "a@b", {}, "LIAISON_MATCHING_INVALID_EMAIL"],
  ["vehicle", "MH12AB1234", {}, "LIAISON_MATCHING_INVALID_VEHICLE"],
  ["vehicle", "VIN:1HGCM82633A00435O", {}, "LIAISON_MATCHING_INVALID_VEHICLE"],
  ["vehicle", "ZZ:MH12AB1234", {}, "LIAISON_MATCHING_INVALID_VEHICLE"],
  ["company-registration", "U72200MH2000PTC123456", {}, "LIAISON_MATCHING_INVALID_COMPANY_REGISTRATION"],
  ["company-registration", "IN:12", {}, "LIAISON_MATCHING_INVALID_COMPANY_REGISTRATION"],
  ["phone", `+91${"9".repeat(400)}`, {}, "LIAISON_MATCHING_INVALID_PHONE"],
];

describe("identifier normalisers", () => {
  it.each(valid)("%s %j -> canonical", (type, raw, options, canonical) => {
    expect(normaliseIdentifier(type, raw, options)).toBe(canonical);
  });

  it.each(refused)("%s %j is refused", (type, raw, options, code) => {
    let caught: unknown;
    try {
      normaliseIdentifier(type, raw, options);
    } catch (error) {
      caught = error;
    }
    expect(isLiaisonError(caught) && caught.code).toBe(code);
    expect(isLiaisonError(caught) && caught.status).toBe(400);
  });

  it("a list collapses values equal after normalisation and reports the rejected ones by index", () => {
    const list = normaliseList("phone", ["+91 98123 45678", "+919812345678", "bogus", "+1 416 555 0123"]);
    expect(list.values).toEqual(["+919812345678", "+14165550123"]);
    expect(list.rejected).toEqual([{ index: 2, code: "LIAISON_MATCHING_INVALID_PHONE", message: expect.any(String) }]);
  });
});
