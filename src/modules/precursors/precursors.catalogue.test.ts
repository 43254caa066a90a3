import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LiaisonError } from "../../core/errors.ts";
import { PrecursorCatalogue } from "./precursors.catalogue.ts";

const DOMAIN = join(process.cwd(), "..", "shared", "domain");

describe("the precursor catalogue", () => {
  const catalogue = PrecursorCatalogue.fromDomainDir(DOMAIN);

  it("holds the shared domain's fentanyl-related Table I chemicals with their HS subheadings", () => {
    const npp = catalogue.require("39742-60-4");
    expect(npp).toMatchObject({ abbr: "NPP", hs: "2933.37", table: "I" });
    expect(catalogue.list().map((c) => c.abbr)).toEqual(expect.arrayContaining(["ANPP", "4-AP", "norfentanyl"]));
  });

  it("refuses a bad check digit and an unlisted substance with distinct codes", () => {
    const codeOf = (cas: string) => {
      try {
        catalogue.require(cas, "substance.cas");
      } catch (error) {
        return error instanceof LiaisonError ? [error.code, error.status, error.message] : String(error);
      }
    };
    expect(codeOf("39742-60-5")).toEqual([
      "LIAISON_PRECURSORS_BAD_CAS",
      400,
      "substance.cas: the check digit of 39742-60-5 should be 4",
    ]);
    expect(codeOf("7732-18-5")?.[0]).toBe("LIAISON_PRECURSORS_NOT_CATALOGUED");
  });

  it("adds a substance as a new catalogue, never twice, never with a bad CAS", () => {
    const water = { abbr: "H2O", name: "Water", cas: "7732-18-5", hs: "2853.90", table: "II", inForce: "2026-01-01" };
    const wider = catalogue.with(water as never);
    expect(wider.find("7732-18-5")?.name).toBe("Water");
    expect(catalogue.find("7732-18-5")).toBeUndefined();
    expect(() => wider.with(water as never)).toThrow(/already catalogued/);
    expect(() => catalogue.with({ ...water, cas: "7732-18-6" } as never)).toThrow();
  });
});
