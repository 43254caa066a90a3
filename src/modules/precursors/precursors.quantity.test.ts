import { describe, expect, it } from "vitest";
import { baseAmount, normaliseQuantity, Quantity } from "./precursors.quantity.ts";

describe("quantities", () => {
  it.each([
    [{ amount: "12.5", unit: "kg" }, "mass", 12_500_000],
    [{ amount: "250", unit: "g" }, "mass", 250_000],
    [{ amount: "0.001", unit: "g" }, "mass", 1],
    [{ amount: "2", unit: "L" }, "volume", 2_000_000],
    [{ amount: "750.25", unit: "mL" }, "volume", 750_250],
    [{ amount: "999999999.999", unit: "kg" }, "mass", 999_999_999_999_000],
  ] as const)("%o normalises exactly", (quantity, dimension, micro) => {
    expect(normaliseQuantity(Quantity.parse(quantity))).toEqual({ dimension, micro });
    expect(Number.isSafeInteger(micro)).toBe(true);
  });

  it("sums thousands of entries without floating-point drift", () => {
    const total = Array.from({ length: 10_000 }, () => normaliseQuantity({ amount: "0.1", unit: "g" }).micro).reduce(
      (a, b) => a + b,
    );
    expect(baseAmount({ dimension: "mass", micro: total })).toEqual({ amount: 1000, unit: "g" });
  });

  it.each([
    { amount: "0", unit: "kg" },
    { amount: "-1", unit: "kg" },
    { amount: "1.2345", unit: "kg" },
    { amount: "1e3", unit: "kg" },
    { amount: "1000000000", unit: "kg" },
    { amount: "5", unit: "lb" },
    { amount: "05", unit: "kg" },
  ])("refuses %o", (quantity) => {
    expect(Quantity.safeParse(quantity).success).toBe(false);
  });
});
