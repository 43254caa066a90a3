import { describe, expect, it } from "vitest";
import { isLiaisonError } from "../../src/core/errors.ts";
import { hashToGroup } from "../../src/modules/matching/matching.group.ts";
import { runLocalPsi } from "../../src/modules/matching/matching.local-run.ts";
import { normaliseList } from "../../src/modules/matching/matching.normalise.ts";
import { type PsiMessage, PsiParty } from "../../src/modules/matching/matching.psi.ts";

const phones = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `+9198${String(from + i).padStart(8, "0")}`);
const party = (values: string[], extra: Partial<ConstructorParameters<typeof PsiParty>[0]> = {}) =>
  new PsiParty({ runId: "run-1", type: "phone", values, maxSetSize: 10_000, ...extra });
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return isLiaisonError(error) ? error.code : String(error);
  }
  return "no error";
};
const sorted = (xs: string[]) => [...xs].sort();

describe("PSI engine, two parties in process", () => {
  it.each([
    ["no overlap", phones(0, 40), phones(1000, 30), []],
    ["partial overlap", phones(0, 40), phones(30, 25), phones(30, 10)],
    ["all of the smaller set", phones(0, 40), phones(5, 10), phones(5, 10)],
    ["identical sets", phones(0, 33), phones(0, 33), phones(0, 33)],
    ["one empty set", [], phones(0, 20), []],
    ["both empty", [], [], []],
  ])("%s: each side ends with exactly the intersection, in its own values", (_name, x, y, expected) => {
    const a = party(x, { chunkElements: 7 });
    const b = party(y, { chunkElements: 9 });
    const result = runLocalPsi(a, b, { shuffleDelivery: true });
    expect(sorted(result.a.intersection)).toEqual(sorted(expected));
    expect(sorted(result.b.intersection)).toEqual(sorted(expected));
    expect([result.a.ownSize, result.a.peerSize, result.b.ownSize, result.b.peerSize]).toEqual([
      x.length,
      y.length,
      y.length,
      x.length,
    ]);
    expect(a.secretErased && b.secretErased).toBe(true);
  });

  it("differently written equal values match once normalised, and each side gets its own canonical values", () => {
    const india = normaliseList("phone", ["+91 98123 45678", "098765 43210", "+14165550123"], { defaultCountry: "IN" });
    const canada = normaliseList("phone", ["011 91 98123 45678", "(416) 555-0123", "+1 604 555 0199"], {
      defaultCountry: "CA",
    });
    const result = runLocalPsi(party(india.values), party(canada.values));
    expect(sorted(result.a.intersection)).toEqual(["+14165550123", "+919812345678"]);
    expect(sorted(result.b.intersection)).toEqual(["+14165550123", "+919812345678"]);
  });

  it("no plaintext identifier of either side crosses, in any form", () => {
    const x = phones(0, 20);
    const y = phones(10, 20);
    const seen: string[] = [];
    runLocalPsi(party(x), party(y), { onMessage: (_from, json) => seen.push(json) });
    const wire = seen.join("\n");
    const decoded = seen
      .flatMap((json) => {
        const m = JSON.parse(json) as PsiMessage;
        return [Buffer.from(m.kind === "blinded" ? m.elements : m.tags, "base64")];
      })
      .map((b) => b.toString("latin1"))
      .join("");
    const unblinded = hashToGroup(x.map((v) => new TextEncoder().encode(`phone\u0000${v}`))).toString("base64");
    for (const v of [...x, ...y]) {
      expect(wire).not.toContain(v);
      expect(wire).not.toContain(v.slice(1));
      expect(decoded).not.toContain(v);
    }
    // nor the unblinded hashes, which anyone could recompute from a guess
    for (let i = 0; i < x.length; i++) expect(wire).not.toContain(unblinded.slice(i * 44, i * 44 + 40));
  });

  it("caps: a list above the cap does not start, and a peer announcing a set above the cap ends the run", () => {
    expect(codeOf(() => party(phones(0, 11), { maxSetSize: 10 }))).toBe("LIAISON_MATCHING_SET_TOO_LARGE");
    const a = party(phones(0, 50), { maxSetSize: 100 });
    const b = party(phones(0, 5), { maxSetSize: 10 });
    const [first] = a.start();
    expect(codeOf(() => b.receive(first as PsiMessage))).toBe("LIAISON_MATCHING_SET_TOO_LARGE");
    expect(b.secretErased).toBe(true);
    expect(codeOf(() => b.start())).toBe("LIAISON_MATCHING_SET_TOO_LARGE");
  });

  it("a tampering peer ends the run: repeated chunk, wrong tag count, low-order element, set size changed", () => {
    const cases: ((m: PsiMessage[], b: PsiParty) => unknown)[] = [
      (m, b) => {
        b.receive(m[0] as PsiMessage);
        return b.receive(m[0] as PsiMessage);
      },
      (m, b) =>
        b.receive({ ...(m[0] as PsiMessage & { kind: "blinded" }), elements: Buffer.alloc(64).toString("base64") }),
      (m, b) => {
        b.receive(m[0] as PsiMessage);
        return b.receive({ ...(m[1] as PsiMessage & { kind: "blinded" }), setSize: 99 });
      },
    ];
    const codes = cases.map((attack) => {
      const a = party(phones(0, 10), { chunkElements: 4 });
      const b = party(phones(0, 10));
      const code = codeOf(() => attack(a.start(), b));
      return [code, b.secretErased];
    });
    expect(codes).toEqual([
      ["LIAISON_MATCHING_CHUNK_INVALID", true],
      ["LIAISON_MATCHING_POINT_LOW_ORDER", true],
      ["LIAISON_MATCHING_CHUNK_INVALID", true],
    ]);
    const a = party(phones(0, 10));
    const b = party(phones(0, 10));
    a.start();
    expect(codeOf(() => a.receive({ kind: "reblinded", runId: "run-1", chunk: 0, tags: "AAAA" }))).toBe(
      "LIAISON_MATCHING_CHUNK_INVALID",
    );
    expect(codeOf(() => b.receive({ kind: "reblinded", runId: "run-1", chunk: 0, tags: "" }))).toBe(
      "LIAISON_MATCHING_RUN_STATE",
    );
  });

  it("a result is refused before the run is complete, and messages of another run are refused", () => {
    const a = party(phones(0, 3));
    const b = party(phones(0, 3), { runId: "run-2" });
    expect(codeOf(() => a.result())).toBe("LIAISON_MATCHING_RUN_STATE");
    expect(codeOf(() => a.receive(b.start()[0] as PsiMessage))).toBe("LIAISON_MATCHING_RUN_MISMATCH");
  });
});
