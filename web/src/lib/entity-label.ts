import type { Entity } from "../api/contract.ts";

/** The field that names an entity: a person's name, a phone's number, a chemical's CAS number... */
export function entityLabel(entity: Entity): string {
  for (const key of ["name", "number", "address", "cas", "registration", "iban", "accountNumber", "reference"]) {
    const value = entity[key];
    if (typeof value === "string" && value) return value;
  }
  if (Array.isArray(entity.lines)) return entity.lines.join(", ");
  return JSON.stringify(entity);
}
