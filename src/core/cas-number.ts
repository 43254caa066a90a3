/**
 * A CAS Registry Number: two to seven digits, two digits, one check digit. The check digit is the sum of the
 * other digits, each times its position counted from the right (the last of the others is 1), modulo 10, so a
 * mistyped number (a wrong or a swapped digit) is caught before it reaches another country's system. Exchange
 * entities and the precursor catalogue both check numbers here.
 */
const CAS_SHAPE = /^(\d{2,7})-(\d{2})-(\d)$/;

export function casCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[digits.length - 1 - i]) * (i + 1);
  return sum % 10;
}

/** Why a CAS number is not usable, or undefined when its shape and check digit are right. */
export function casProblem(cas: string): string | undefined {
  const match = CAS_SHAPE.exec(cas);
  if (!match) return "a CAS number is 2-7 digits, 2 digits and a check digit, joined by hyphens (e.g. 39742-60-4)";
  const [, first = "", second = "", check = ""] = match;
  if (first.length > 1 && first.startsWith("0")) return "a CAS number does not start with 0";
  const expected = casCheckDigit(first + second);
  if (expected !== Number(check)) return `the check digit of ${cas} should be ${expected}`;
  return undefined;
}

export function isValidCasNumber(cas: string): boolean {
  return casProblem(cas) === undefined;
}
