import { z } from "zod";

/**
 * Quantities as the exporter entered them, and normalised for sums and filters: mass in grams, volume in
 * millilitres. Kept as integers of milligrams / microlitres so that adding thousands of rows stays exact.
 */
export const QUANTITY_UNITS = ["kg", "g", "L", "mL"] as const;
export type QuantityUnit = (typeof QUANTITY_UNITS)[number];

const PER_UNIT: Record<QuantityUnit, { dimension: "mass" | "volume"; micro: number }> = {
  kg: { dimension: "mass", micro: 1_000_000 },
  g: { dimension: "mass", micro: 1_000 },
  L: { dimension: "volume", micro: 1_000_000 },
  mL: { dimension: "volume", micro: 1_000 },
};

/**
 * At most three decimals, so every allowed entry is a whole number of milligrams or microlitres, and at most
 * nine whole digits, so the largest (999,999,999 kg) is still an exact JavaScript integer in milligrams.
 */
const DECIMAL = /^(?:0|[1-9]\d{0,8})(?:\.\d{1,3})?$/;

export const Quantity = z.object({
  amount: z
    .string()
    .regex(DECIMAL, "a positive decimal with at most three decimals, e.g. 250 or 12.5")
    .refine((amount) => Number(amount) > 0, "a quantity is more than zero"),
  unit: z.enum(QUANTITY_UNITS),
});
export type Quantity = z.infer<typeof Quantity>;

export interface NormalisedQuantity {
  dimension: "mass" | "volume";
  /** Milligrams for mass, microlitres for volume. */
  micro: number;
}

/** Exact decimal-to-integer scaling: "12.5" kg is 12,500,000 mg without a floating-point detour. */
export function normaliseQuantity(quantity: Quantity): NormalisedQuantity {
  const { dimension, micro } = PER_UNIT[quantity.unit];
  const [whole = "0", fraction = ""] = quantity.amount.split(".");
  const thousandths = Number(whole) * 1000 + Number(fraction.padEnd(3, "0"));
  return { dimension, micro: thousandths * (micro / 1000) };
}

/** For reports: grams or millilitres, the unit a volume table is read in. */
export function baseAmount(q: NormalisedQuantity): { amount: number; unit: "g" | "mL" } {
  return { amount: q.micro / 1000, unit: q.dimension === "mass" ? "g" : "mL" };
}
