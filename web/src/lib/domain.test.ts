import { describe, expect, it } from "vitest";
import { REFUSAL_CODES as SERVER_REFUSAL_CODES } from "../../../src/modules/exchange/exchange.content.ts";
import { en } from "../i18n/en.ts";
import { fr } from "../i18n/fr.ts";
import { hi } from "../i18n/hi.ts";
import { REFUSAL_CODES } from "./domain.ts";

describe("refusal codes in the reply form", () => {
  it("are the server's list, in its order", () => {
    expect([...REFUSAL_CODES]).toEqual([...SERVER_REFUSAL_CODES]);
  });

  it.each([
    ["en", en],
    ["fr", fr],
    ["hi", hi],
  ] as const)("each has a label in %s", (_, tree) => {
    const labels = (tree as unknown as { refusalCode: Record<string, string> }).refusalCode;
    for (const code of REFUSAL_CODES) expect(labels[code], code).toMatch(/\S/);
    expect(Object.keys(labels).sort()).toEqual([...REFUSAL_CODES].sort());
  });
});
