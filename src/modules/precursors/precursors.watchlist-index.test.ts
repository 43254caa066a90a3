import { describe, expect, it } from "vitest";
import { normaliseName } from "./precursors.names.ts";
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

  it("agrees with the pairwise score on random names, so the posting lists miss nothing", () => {
    const words = ["alpha", "beta", "chem", "delta", "fine", "gamma", "sun", "rise", "agro", "export", "nord"];
    const pick = (n: number) => Array.from({ length: n }, () => words[Math.floor(Math.random() * words.length)]);
    const local = new WatchlistIndex();
    const names = Array.from({ length: 300 }, (_, i) => ({ id: `n${i}`, text: pick(1 + (i % 4)).join(" ") }));
    for (const n of names) local.add({ ...n, kind: "company", reason: "test" });
    // Each threshold prunes by a different prefix of rare trigrams: none may lose a name the pairwise score keeps.
    for (const threshold of [0.5, 0.6, 0.8, 0.9, 1]) {
      for (let q = 0; q < 50; q++) {
        const query = pick(1 + (q % 4)).join(" ") + (q % 3 === 0 ? "x" : "");
        const expected = names
          .filter((n) => similarity(query, n.text, "company") >= threshold)
          .map((n) => n.id)
          .sort();
        const found = local
          .match(query, "company", threshold)
          .map((m) => m.entry.id)
          .sort();
        expect(found, `${query} at ${threshold}`).toEqual(expected);
      }
    }
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
