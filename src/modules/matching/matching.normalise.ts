import { domainToASCII } from "node:url";
import countries from "i18n-iso-countries";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { z } from "zod";
import { badRequest, type LiaisonError } from "../../core/errors.ts";
import { isValidIban } from "../exchange/exchange.entities.ts";

/**
 * Normalisers: one canonical string per identifier, so that two officers who write the same phone, passport or
 * account differently (spaces, case, national vs international form) hash to the same group element. Matching is
 * exact on the canonical string, so a normaliser that is too lax creates false hits in another country's system
 * and one that is too strict hides real ones: each rule below says which of the two it guards against.
 *
 * Structured identifiers are written `QUALIFIER:VALUE` in a list (CSV-friendly): travel documents and company
 * registrations are only unique within their issuing country, plates within their registering country, and
 * domestic bank accounts within their bank. A list may give a default country for values written without one.
 */

export const IDENTIFIER_TYPES = [
  "phone",
  "travel-document",
  "iban",
  "bank-account",
  "crypto-wallet",
  "email",
  "vehicle",
  "company-registration",
] as const;
export const IdentifierType = z.enum(IDENTIFIER_TYPES);
export type IdentifierType = z.infer<typeof IdentifierType>;

export interface NormaliseOptions {
  /** ISO 3166-1 alpha-2 (or alpha-3) country for values written without one: phone region, plate, issuer. */
  defaultCountry?: string;
}

const invalid: Record<IdentifierType, (reason: string) => LiaisonError> = {
  phone: (r) => badRequest("LIAISON_MATCHING_INVALID_PHONE", `not a valid phone number: ${r}`),
  "travel-document": (r) => badRequest("LIAISON_MATCHING_INVALID_TRAVEL_DOCUMENT", `not a valid travel document: ${r}`),
  iban: (r) => badRequest("LIAISON_MATCHING_INVALID_IBAN", `not a valid IBAN: ${r}`),
  "bank-account": (r) => badRequest("LIAISON_MATCHING_INVALID_BANK_ACCOUNT", `not a valid bank account: ${r}`),
  "crypto-wallet": (r) => badRequest("LIAISON_MATCHING_INVALID_CRYPTO_WALLET", `not a valid wallet address: ${r}`),
  email: (r) => badRequest("LIAISON_MATCHING_INVALID_EMAIL", `not a valid email address: ${r}`),
  vehicle: (r) => badRequest("LIAISON_MATCHING_INVALID_VEHICLE", `not a valid vehicle identifier: ${r}`),
  "company-registration": (r) =>
    badRequest("LIAISON_MATCHING_INVALID_COMPANY_REGISTRATION", `not a valid company registration: ${r}`),
};

/** Separators people type inside identifiers; never significant in the identifiers handled here. */
const SEPARATORS = /[\s\-./_<]+/g;
const compact = (value: string) => value.normalize("NFKC").replace(SEPARATORS, "").toUpperCase();

/** Alpha-2 or alpha-3 (as printed in a passport's MRZ) to alpha-3, the form ICAO 9303 travel documents use. */
function countryAlpha3(code: string): string | undefined {
  const c = code.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(c)) return countries.alpha2ToAlpha3(c) ?? undefined;
  if (/^[A-Z]{3}$/.test(c)) return countries.alpha3ToAlpha2(c) ? c : undefined;
  return undefined;
}
function countryAlpha2(code: string): string | undefined {
  const a3 = countryAlpha3(code);
  return a3 ? countries.alpha3ToAlpha2(a3) : undefined;
}

/** `QUALIFIER:VALUE`, or VALUE alone with the list's default qualifier. */
function qualified(raw: string, fallback: string | undefined): [string | undefined, string] {
  const i = raw.indexOf(":");
  return i < 0 ? [fallback, raw] : [raw.slice(0, i).trim(), raw.slice(i + 1)];
}

function phone(raw: string, o: NormaliseOptions): string {
  const region = o.defaultCountry ? countryAlpha2(o.defaultCountry) : undefined;
  // libphonenumber's region type is a union of literals; an alpha-2 we validated above is one of them.
  const parsed = parsePhoneNumberFromString(raw, region as Parameters<typeof parsePhoneNumberFromString>[1]);
  if (!parsed) throw invalid.phone("it cannot be parsed (write it in E.164, e.g. +919812345678)");
  // Strict validity (length and ranges of the numbering plan), so that a typo is refused, not matched.
  if (!parsed.isValid()) throw invalid.phone("not a valid number for its country code");
  return parsed.number;
}

function travelDocument(raw: string, o: NormaliseOptions): string {
  const [issuer, number] = qualified(raw, o.defaultCountry);
  if (!issuer) throw invalid["travel-document"]("no issuing country (write ISSUER:NUMBER, e.g. IND:K1234567)");
  const a3 = countryAlpha3(issuer);
  if (!a3) throw invalid["travel-document"](`unknown issuing country ${issuer}`);
  const n = compact(number);
  // Document numbers are letters and digits; ICAO 9303 pads with '<', which compact() removes.
  if (!/^[A-Z0-9]{5,20}$/.test(n)) throw invalid["travel-document"]("the number must be 5-20 letters and digits");
  return `${a3}:${n}`;
}

function iban(raw: string): string {
  const n = compact(raw);
  if (!isValidIban(n)) throw invalid.iban("the format or the ISO 13616 mod-97 check digits do not match");
  return n;
}

function bankAccount(raw: string): string {
  const [bank, account] = qualified(raw, undefined);
  if (bank === undefined)
    throw invalid["bank-account"]("no bank code (write BANKCODE:ACCOUNT, e.g. an IFSC or transit-institution)");
  const b = compact(bank);
  const a = compact(account);
  if (!/^[A-Z0-9]{3,20}$/.test(b)) throw invalid["bank-account"]("the bank code must be 3-20 letters and digits");
  // Leading zeros are kept: in several national schemes they are part of the account number.
  if (!/^[A-Z0-9]{4,34}$/.test(a)) throw invalid["bank-account"]("the account number must be 4-34 letters and digits");
  // An IBAN written as a domestic account would never match its IBAN form: refuse it here so it goes in an iban list.
  if (isValidIban(a)) throw invalid["bank-account"]("this is an IBAN: put it in a list of type iban");
  return `${b}:${a}`;
}

function cryptoWallet(raw: string): string {
  // A ticker prefix (BTC:, ETH:) is allowed for the officer's benefit but is not part of the key: the same
  // address holds several tokens on one chain, and "USDT" vs "ETH" must not hide a match.
  const i = raw.indexOf(":");
  const address = (i >= 0 && /^[A-Za-z0-9]{2,10}$/.test(raw.slice(0, i).trim()) ? raw.slice(i + 1) : raw).trim();
  if (/^0x[0-9a-fA-F]{40}$/.test(address)) return address.toLowerCase(); // EVM: EIP-55 case is only a checksum
  if (/^[a-zA-Z]{1,10}1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}$/.test(address)) {
    // Bech32 (bc1..., ltc1...): case-insensitive, but BIP 173 forbids mixed case, a sign of a corrupted copy.
    if (address !== address.toLowerCase() && address !== address.toUpperCase())
      throw invalid["crypto-wallet"]("a bech32 address must not mix upper and lower case");
    return address.toLowerCase();
  }
  // Base58 (legacy Bitcoin, Tron, Solana...) and others are case-sensitive: kept exactly.
  if (!/^[A-Za-z0-9]{20,128}$/.test(address)) throw invalid["crypto-wallet"]("an address is 20-128 letters and digits");
  return address;
}

const EmailShape = z.email();
function email(raw: string): string {
  const value = raw.trim().normalize("NFKC");
  const at = value.lastIndexOf("@");
  if (at <= 0) throw invalid.email("no @");
  // Domains are case-insensitive and IDNs have one ASCII form; local parts are treated as case-insensitive as
  // every large provider does. Provider rules (dots, +tags) are not applied: they would create false hits.
  const domain = domainToASCII(value.slice(at + 1).toLowerCase());
  const address = `${value.slice(0, at).toLowerCase()}@${domain}`;
  if (!domain || !EmailShape.safeParse(address).success) throw invalid.email("not of the form local@domain");
  return address;
}

function vehicle(raw: string, o: NormaliseOptions): string {
  const [qualifier, value] = qualified(raw, o.defaultCountry);
  const v = compact(value);
  if (qualifier?.toUpperCase() === "VIN" || (qualifier === undefined && v.length === 17)) {
    // ISO 3779 VIN: 17 characters, never I, O or Q. Unique worldwide, so no country.
    if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(v)) throw invalid.vehicle("a VIN is 17 characters without I, O or Q");
    return `VIN:${v}`;
  }
  if (!qualifier) throw invalid.vehicle("no registering country (write CC:PLATE, e.g. IN:MH12AB1234)");
  const a2 = countryAlpha2(qualifier);
  if (!a2) throw invalid.vehicle(`unknown country ${qualifier}`);
  if (!/^[A-Z0-9]{2,12}$/.test(v)) throw invalid.vehicle("a plate is 2-12 letters and digits");
  return `${a2}:${v}`;
}

function companyRegistration(raw: string, o: NormaliseOptions): string {
  const [country, number] = qualified(raw, o.defaultCountry);
  if (!country) throw invalid["company-registration"]("no country (write CC:NUMBER, e.g. IN:U72200MH2000PTC123456)");
  const a2 = countryAlpha2(country);
  if (!a2) throw invalid["company-registration"](`unknown country ${country}`);
  const n = compact(number);
  if (!/^[A-Z0-9]{4,30}$/.test(n)) throw invalid["company-registration"]("the number must be 4-30 letters and digits");
  return `${a2}:${n}`;
}

/** The canonical form of one identifier of `type`; throws the type's LIAISON_MATCHING_INVALID_* otherwise. */
export function normaliseIdentifier(type: IdentifierType, raw: string, options: NormaliseOptions = {}): string {
  if (raw.length > 300) throw invalid[type]("longer than 300 characters");
  switch (type) {
    case "phone":
      return phone(raw, options);
    case "travel-document":
      return travelDocument(raw, options);
    case "iban":
      return iban(raw);
    case "bank-account":
      return bankAccount(raw);
    case "crypto-wallet":
      return cryptoWallet(raw);
    case "email":
      return email(raw);
    case "vehicle":
      return vehicle(raw, options);
    case "company-registration":
      return companyRegistration(raw, options);
  }
}

/**
 * Normalise a whole list: duplicates (after normalisation) collapse to one, because a repeated element would
 * show in the blinded set as a repeated value and tell the other side the list has duplicates.
 */
export function normaliseList(
  type: IdentifierType,
  values: readonly string[],
  options: NormaliseOptions = {},
): { values: string[]; rejected: { index: number; code: string; message: string }[] } {
  const seen = new Set<string>();
  const rejected: { index: number; code: string; message: string }[] = [];
  values.forEach((raw, index) => {
    try {
      seen.add(normaliseIdentifier(type, raw, options));
    } catch (error) {
      const e = error as LiaisonError;
      rejected.push({ index, code: e.code, message: e.message });
    }
  });
  return { values: [...seen], rejected };
}
