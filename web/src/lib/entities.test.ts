import { describe, expect, it } from "vitest";
import { isValidCas, validateEntity } from "./entities.ts";

describe("entity validation", () => {
  it.each([
    ["chemical", "110-89-4", { entity: { type: "chemical", cas: "110-89-4" } }],
    ["chemical", "110-89-5", { error: "entity.errorCas" }],
    ["phone", "+91 98765 43210", { entity: { type: "phone", number: "+919876543210" } }],
    ["phone", "98765", { error: "entity.errorPhone" }],
    ["email", "A.B@example.org", { entity: { type: "email", address: "a.b@example.org" } }],
    ["email", "not-an-email", { error: "entity.errorEmail" }],
    ["person", "  Jane Doe ", { entity: { type: "person", name: "Jane Doe" } }],
    ["vessel", "x".repeat(301), { error: "entity.errorLong" }],
    ["person", "   ", { error: "entity.errorEmpty" }],
  ] as const)("%s %s", (type, raw, expected) => {
    expect(validateEntity(type, raw)).toEqual(expected);
  });

  it("accepts every CAS number of shared/domain/precursors.json and rejects a wrong check digit", () => {
    for (const cas of [
      "39742-60-4",
      "21409-26-7",
      "23056-29-3",
      "125541-22-2",
      "1609-66-1",
      "41661-47-6",
      "79099-07-3",
    ]) {
      expect(isValidCas(cas)).toBe(true);
    }
    expect(isValidCas("23056-29-4")).toBe(false);
  });
});
