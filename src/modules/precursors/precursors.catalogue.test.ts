import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LiaisonError } from "../../core/errors.ts";
import { casCheckDigit, casProblem, PrecursorCatalogue } from "./precursors.catalogue.ts";

const DOMAIN = join(process.cwd(), "..", "shared", "domain");

describe("CAS numbers", () => {
  it.each([
    ["39742-60-4", undefined], // NPP
    ["21409-26-7", undefined], // ANPP
    ["125541-22-2", undefined], // 1-boc-4-AP
    ["7732-18-5", undefined], // water
    ["39742-60-5", "the check digit of 39742-60-5 should be 4"],
    ["39724-60-4", "the check digit of 39724-60-4 should be 2"], // two digits swapped
    ["3974260-4", "a CAS number is"],
    ["1-23-4", "a CAS number is"],
    ["01609-66-1", "does not start with 0"],
    [" 39742-60-4", "a CAS number is"],
  ])("%s", (cas, problem) => {
    if (problem) expect(casProblem(cas)).toContain(problem);
    else expect(casProblem(cas)).toBeUndefined();
  });

  it("weights digits by their position from the right", () => {
    // 3974260: 0·1 + 6·2 + 2·3 + 4·4 + 7·5 + 9·6 + 3·7 = 144
    expect(casCheckDigit("3974260")).toBe(4);
  });
});

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
