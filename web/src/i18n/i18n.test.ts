import { describe, expect, it } from "vitest";
import { en } from "./en.ts";
import { fr } from "./fr.ts";
import { hi } from "./hi.ts";

const sources = import.meta.glob<string>(["../**/*.tsx", "!../**/*.test.tsx"], {
  query: "?raw",
  import: "default",
  eager: true,
});

function keys(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "object" && value !== null ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

function has(tree: object, key: string): boolean {
  let node: unknown = tree;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string";
}

describe("translations", () => {
  it("has an English string for every literal key the views use", () => {
    const used = new Set<string>();
    for (const text of Object.values(sources)) {
      for (const match of text.matchAll(/\bt\("([a-zA-Z]+\.[a-zA-Z.]+)"/g)) used.add(match[1] as string);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((key) => !has(en, key) && !has(en, `${key}_other`));
    expect(missing).toEqual([]);
  });

  it("has French for every English string, and Hindi only for keys English has", () => {
    expect(keys(fr).sort()).toEqual(keys(en).sort());
    const english = new Set(keys(en));
    expect(keys(hi).filter((k) => !english.has(k))).toEqual([]);
    for (const area of ["login", "header", "nav", "dashboard", "inbox"] as const) {
      expect(keys(hi[area] ?? {}).length, area).toBe(keys(en[area]).length);
    }
  });

  it("never translates TLP labels", () => {
    for (const text of Object.values(sources)) expect(text).not.toMatch(/t\("TLP:/);
  });
});
