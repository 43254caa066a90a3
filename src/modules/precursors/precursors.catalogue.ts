import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { casProblem } from "../../core/cas-number.ts";
import { LiaisonError } from "../../core/errors.ts";

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
