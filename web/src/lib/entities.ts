import { isValidPhoneNumber, parsePhoneNumber } from "libphonenumber-js/min";
import type { Entity } from "../api/contract.ts";

/**
 * Kinds of entity an officer may type in, each checked here as the exchange module will check it (E.164 phone
 * numbers valid for their country, CAS check digits), so mistakes show while typing, not after sending.
 */
export const ENTITY_TYPES = ["person", "organisation", "phone", "email", "chemical", "vessel"] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** CAS Registry Number: digits-dd-d with a check digit (weighted sum of the other digits, mod 10). */
export function isValidCas(value: string): boolean {
  const match = /^(\d{2,7})-(\d{2})-(\d)$/.exec(value);
  if (!match) return false;
  const digits = `${match[1]}${match[2]}`.split("").reverse();
  const sum = digits.reduce((total, d, i) => total + Number(d) * (i + 1), 0);
  return sum % 10 === Number(match[3]);
}

/** The entity as the API takes it, or an i18n key saying what is wrong. */
export function validateEntity(type: EntityType, raw: string): { entity: Entity } | { error: string } {
  const value = raw.trim();
  if (!value) return { error: "entity.errorEmpty" };
  switch (type) {
    case "phone":
      // Numbers must carry their country code: the two parties' numbering plans differ.
      return isValidPhoneNumber(value)
        ? { entity: { type, number: parsePhoneNumber(value).number } }
        : { error: "entity.errorPhone" };
    case "email":
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)
        ? { entity: { type, address: value.toLowerCase() } }
        : { error: "entity.errorEmail" };
    case "chemical":
      return isValidCas(value) ? { entity: { type, cas: value } } : { error: "entity.errorCas" };
    default:
      return value.length <= 300 ? { entity: { type, name: value } } : { error: "entity.errorLong" };
  }
}
