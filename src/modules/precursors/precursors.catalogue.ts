import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LiaisonError } from "../../core/errors.ts";

/**
 * A CAS Registry Number: two to seven digits, two digits, one check digit. The check digit is the sum of the
 * other digits, each times its position counted from the right (the last of the others is 1), modulo 10.
 * So a mistyped number (a swapped or a wrong digit) is caught before anything is stored or sent.
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

const Chemical = z.object({
  abbr: z.string(),
  name: z.string(),
  cas: z.string().refine((cas) => casProblem(cas) === undefined, "invalid CAS number"),
  /** HS 2022 six-digit subheading, as national tariff lists use it. */
  hs: z.string().regex(/^\d{4}\.\d{2}$/),
  table: z.enum(["I", "II"]),
  inForce: z.iso.date(),
});
export type Chemical = z.infer<typeof Chemical>;

const PrecursorsFile = z.object({ chemicals: z.array(Chemical).min(1) });

/** The controlled substances a notification or incident may name, keyed by CAS number. */
export class PrecursorCatalogue {
  private readonly byCas: Map<string, Chemical>;

  constructor(chemicals: readonly Chemical[]) {
    this.byCas = new Map(chemicals.map((c) => [c.cas, c]));
  }

  /** The shared domain's Table I list (precursors.json in config.domainDir). */
  static fromDomainDir(dir: string): PrecursorCatalogue {
    const file = join(dir, "precursors.json");
    try {
      return new PrecursorCatalogue(PrecursorsFile.parse(JSON.parse(readFileSync(file, "utf8"))).chemicals);
    } catch (error) {
      throw new LiaisonError("LIAISON_DOMAIN_DATA_INVALID", 500, `${file}: ${(error as Error).message}`);
    }
  }

  list(): Chemical[] {
    return [...this.byCas.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  find(cas: string): Chemical | undefined {
    return this.byCas.get(cas);
  }

  /** The catalogued substance for a CAS number; a bad or unlisted number is refused as the request's fault. */
  require(cas: string, field = "cas"): Chemical {
    const problem = casProblem(cas);
    if (problem) {
      throw new LiaisonError("LIAISON_PRECURSORS_BAD_CAS", 400, `${field}: ${problem}`, { field, cas });
    }
    const chemical = this.byCas.get(cas);
    if (!chemical) {
      throw new LiaisonError(
        "LIAISON_PRECURSORS_NOT_CATALOGUED",
        400,
        `${field}: ${cas} is not a catalogued precursor; an administrator adds substances to the catalogue`,
        { field, cas },
      );
    }
    return chemical;
  }

  /** Adding is an administrator's audited change (the service records it); here only the rules of the list. */
  with(chemical: Chemical): PrecursorCatalogue {
    if (this.byCas.has(chemical.cas)) {
      throw new LiaisonError("LIAISON_PRECURSORS_ALREADY_CATALOGUED", 409, `${chemical.cas} is already catalogued`);
    }
    return new PrecursorCatalogue([...this.byCas.values(), Chemical.parse(chemical)]);
  }
}
