import { isValidPhoneNumber } from "libphonenumber-js/max";
import { z } from "zod";
import { isValidCasNumber } from "../../core/cas-number.ts";

/**
 * Structured entities carried by a message. They are validated strictly at the sending node, because a wrong
 * phone number or CAS number in another country's system is worse than none: the sender must fix it.
 */

/** ISO 13616 IBAN: country, check digits, then the account; valid when the rearranged number mod 97 is 1. */
export function isValidIban(value: string): boolean {
  const iban = value.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of value) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

const name = z.string().trim().min(1).max(300);
const note = z.string().max(1000).optional();

const Person = z.object({
  type: z.literal("person"),
  name,
  dateOfBirth: z.iso.date().optional(),
  nationality: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  note,
});
const Organisation = z.object({
  type: z.literal("organisation"),
  name,
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  registrationNumber: z.string().max(100).optional(),
  note,
});
const Phone = z.object({
  type: z.literal("phone"),
  number: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, "phone numbers are written in E.164, e.g. +14165550123")
    .refine((n) => isValidPhoneNumber(n), "not a valid phone number for its country code"),
  note,
});
const Email = z.object({ type: z.literal("email"), address: z.email(), note });
const BankAccount = z
  .object({
    type: z.literal("bank-account"),
    iban: z.string().max(40).optional(),
    /** Where IBAN is not used (India, Canada): the account number with its bank/branch code. */
    accountNumber: z
      .string()
      .regex(/^[A-Z0-9-]{4,34}$/, "an account number of 4-34 letters, digits or hyphens")
      .optional(),
    bankCode: z
      .string()
      .regex(/^[A-Z0-9-]{3,20}$/, "a bank code such as an IFSC or transit-institution number")
      .optional(),
    holder: z.string().max(300).optional(),
    note,
  })
  .refine((b) => b.iban !== undefined || b.accountNumber !== undefined, "a bank account needs an iban or accountNumber")
  .refine((b) => b.iban === undefined || isValidIban(b.iban), {
    message: "IBAN check digits do not match",
    path: ["iban"],
  });
const CryptoWallet = z.object({
  type: z.literal("crypto-wallet"),
  currency: z.string().regex(/^[A-Z0-9]{2,10}$/, "a currency ticker such as BTC or USDT"),
  address: z.string().regex(/^[A-Za-z0-9:]{20,128}$/, "a wallet address of 20-128 letters and digits"),
  note,
});
const Vehicle = z.object({
  type: z.literal("vehicle"),
  registration: z.string().regex(/^[A-Z0-9 -]{2,15}$/, "a registration plate in capitals"),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  vin: z
    .string()
    .regex(/^[A-HJ-NPR-Z0-9]{17}$/, "a VIN is 17 characters without I, O or Q")
    .optional(),
  note,
});
const Vessel = z.object({
  type: z.literal("vessel"),
  name,
  imo: z
    .string()
    .regex(/^IMO ?\d{7}$/, "an IMO number such as IMO 9074729")
    .refine((imo) => {
      const d = imo.replace(/\D/g, "");
      let sum = 0;
      for (let i = 0; i < 6; i++) sum += Number(d[i]) * (7 - i);
      return sum % 10 === Number(d[6]);
    }, "IMO check digit does not match")
    .optional(),
  flag: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  note,
});
const TravelDocument = z.object({
  type: z.literal("travel-document"),
  documentType: z.enum(["passport", "visa", "residence-permit", "identity-card", "other"]),
  number: z.string().regex(/^[A-Z0-9]{5,20}$/, "a document number of 5-20 capitals and digits"),
  issuingCountry: z.string().regex(/^[A-Z]{2,3}$/),
  holder: z.string().max(300).optional(),
  note,
});
const Address = z.object({
  type: z.literal("address"),
  lines: z.array(z.string().min(1).max(200)).min(1).max(6),
  country: z.string().regex(/^[A-Z]{2}$/),
  postcode: z.string().max(20).optional(),
  note,
});
const Shipment = z.object({
  type: z.literal("shipment"),
  reference: z.string().min(1).max(100),
  hsCode: z
    .string()
    .regex(/^\d{4}\.\d{2}$/, "a six-digit HS subheading such as 2933.39")
    .optional(),
  origin: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  destination: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  note,
});
const Chemical = z.object({
  type: z.literal("chemical"),
  cas: z.string().refine(isValidCasNumber, "not a valid CAS number (format or check digit)"),
  name: z.string().max(300).optional(),
  quantityKg: z.number().nonnegative().optional(),
  note,
});

export const Entity = z.discriminatedUnion("type", [
  Person,
  Organisation,
  Phone,
  Email,
  BankAccount,
  CryptoWallet,
  Vehicle,
  Vessel,
  TravelDocument,
  Address,
  Shipment,
  Chemical,
]);
export type Entity = z.infer<typeof Entity>;
