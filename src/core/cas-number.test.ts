import { describe, expect, it } from "vitest";
import { casCheckDigit, casProblem } from "./cas-number.ts";

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
