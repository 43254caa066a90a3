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

function lookup(tree: object, key: string): string {
  let node: unknown = tree;
  for (const part of key.split(".")) node = (node as Record<string, unknown>)[part];
  return String(node);
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

  it("has French and Hindi for every English string, and no key English lacks", () => {
    const english = keys(en).sort();
    expect(keys(fr).sort()).toEqual(english);
    expect(keys(hi).sort()).toEqual(english);
  });

  it("translates into Hindi rather than copying English", () => {
    // Strings that are the same in every language (codes, TLP, interpolations only) are allowed to match.
    const same = keys(en).filter((key) => {
      const english = lookup(en, key);
      return english === lookup(hi, key) && /[a-z]{3,}/.test(english.replace(/\{\{[^}]+\}\}/g, ""));
    });
    expect(same).toEqual([]);
  });

  it("never translates TLP labels", () => {
    for (const text of Object.values(sources)) expect(text).not.toMatch(/t\("TLP:/);
  });
});
