import { describe, expect, it } from "vitest";
import { diceOf, nameTokens, normaliseName, trigramsOf } from "./precursors.names.ts";
import { similarity, WatchlistIndex } from "./precursors.watchlist-index.ts";

describe("watched names", () => {
  it.each([
    ["Sunrise Fine Chem Pvt Ltd", "SUNRISE FINE CHEMICALS PVT. LTD."],
    ["Zenith Pharmaceuticals Private Limited", "zenith pharma p.v.t. ltd"],
    ["Société Chimique du Nord S.A.", "Societe Chimique du Nord"],
    ["Apex Laboratories & Industries Inc.", "APEX LABS AND INDUSTRIES"],
  ])("%s and %s fold to one name", (a, b) => {
    expect(normaliseName(a)).toBe(normaliseName(b));
  });

  it("keeps person names order-insensitive and address abbreviations folded", () => {
    expect(normaliseName("SHARMA, Rohit", "person")).toBe(normaliseName("Rohit Sharma", "person"));
    expect(normaliseName("Plot 14, MIDC Road, Tarapur", "address")).toBe(
      normaliseName("plot 14 midc rd tarapur", "address"),
    );
  });

  it("scores a typo high and a different company low", () => {
    expect(similarity("Sunrise Fine Chem", "Sunrize Fine Chemicals Ltd", "company")).toBeGreaterThan(0.7);
    expect(similarity("Sunrise Fine Chem", "Sunset Agro Exports", "company")).toBeLessThan(0.4);
  });
});

describe("the watchlist index", () => {
  const index = new WatchlistIndex();
  index.add({ id: "w1", kind: "company", text: "Sunrise Fine Chemicals Pvt. Ltd.", reason: "seizure 2026-03" });
  index.add({ id: "w2", kind: "company", text: "Sunset Agro Exports", reason: "revoked licence" });
  index.add({ id: "w3", kind: "person", text: "Rohit Sharma", reason: "courier" });
  index.add({ id: "w4", kind: "address", text: "Plot 14, MIDC Road, Tarapur", reason: "clandestine lab" });

  it("finds the watched company under another spelling, with its reason", () => {
    const [hit, ...rest] = index.match("SUNRISE FINE CHEM PVT LTD", "company");
    expect(hit?.entry).toMatchObject({ id: "w1", reason: "seizure 2026-03" });
    expect(hit?.score).toBe(1);
    expect(rest).toEqual([]);
  });

  it("matches only within a kind: a person named like a company is not that company", () => {
    expect(index.match("Sunset Agro Exports", "person")).toEqual([]);
    expect(index.match("Sharma Rohit", "person").map((m) => m.entry.id)).toEqual(["w3"]);
    expect(index.match("plot 14 midc rd, tarapur", "address").map((m) => m.entry.id)).toEqual(["w4"]);
  });

  describe("agrees with the pairwise score on random names, so prefix, length and position filters miss nothing", () => {
    const words = ["alpha", "beta", "chem", "delta", "fine", "gamma", "sun", "rise", "agro", "export", "nord"];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const letters = "abcdeghiklmnorstu";
    // A word with a letter changed now and then, so scores spread over every threshold rather than a few values.
    const typo = (w: string) => {
      if (random() > 0.3) return w;
      const at = Math.floor(random() * w.length);
      return w.slice(0, at) + letters[Math.floor(random() * letters.length)] + w.slice(at + 1);
    };
    const pick = (n: number) => Array.from({ length: n }, () => typo(words[Math.floor(random() * words.length)] ?? ""));
    const names = Array.from({ length: 400 }, (_, i) => ({ id: `n${i}`, text: pick(1 + (i % 4)).join(" ") }));
    const queries = Array.from({ length: 60 }, (_, q) => pick(1 + (q % 4)).join(" ") + (q % 3 === 0 ? "x" : ""));
    const entry = (n: { id: string; text: string }) => ({ ...n, kind: "company" as const, reason: "test" });

    // Ranked once from all names; ranked from half, the rest added after (trigrams new since the ranking);
    // and added one by one, some removed and added back: three different global orders, one answer.
    const ranked = new WatchlistIndex({ minThreshold: 0.5 });
    ranked.replaceAll(names.map(entry));
    const grown = new WatchlistIndex({ minThreshold: 0.5 });
    grown.replaceAll(names.slice(0, 200).map(entry));
    for (const n of names.slice(200)) grown.add(entry(n));
    const churned = new WatchlistIndex({ minThreshold: 0.5 });
    for (const n of names) churned.add(entry({ ...n, text: `${n.text} old` }));
    for (const n of names) churned.remove(n.id);
    for (const n of names) churned.add(entry(n));

    it.each([
      ["ranked", ranked],
      ["grown", grown],
      ["churned", churned],
    ])("%s", (_, index) => {
      expect(index.size).toBe(names.length);
      let kept = 0;
      // similarity(query, name) for every pair, with each name's trigrams folded once.
      const gramsOf = new Map(names.map((n) => [n.id, trigramsOf(nameTokens(n.text, "company"))]));
      // Each threshold prunes by a different prefix of rare trigrams: none may lose a name the pairwise score keeps.
      for (const threshold of [0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
        for (const query of [...queries, ...names.slice(0, 20).map((n) => n.text)]) {
          const queryGrams = trigramsOf(nameTokens(query, "company"));
          const expected = names
            .filter((n) => diceOf(queryGrams, gramsOf.get(n.id) ?? new Set()) >= threshold)
            .map((n) => n.id)
            .sort();
          const found = index
            .match(query, "company", threshold)
            .map((m) => m.entry.id)
            .sort();
          expect(found, `${query} at ${threshold}`).toEqual(expected);
          kept += expected.length;
        }
      }
      // The comparison means something only if many names pass and many fail.
      expect(kept).toBeGreaterThan(500);
    });
  });

  it("refuses a threshold below the one it indexed for", () => {
    expect(() => new WatchlistIndex().match("Sunrise", "company", 0.5)).toThrow(RangeError);
  });

  it("forgets a removed name and re-indexes a changed one", () => {
    const local = new WatchlistIndex();
    local.add({ id: "x", kind: "company", text: "Old Name Trading", reason: "r" });
    local.add({ id: "x", kind: "company", text: "New Name Trading", reason: "r" });
    expect(local.size).toBe(1);
    expect(local.match("Old Name Trading", "company")).toEqual([]);
    local.remove("x");
    expect(local.match("New Name Trading", "company")).toEqual([]);
    expect(local.size).toBe(0);
  });
});
