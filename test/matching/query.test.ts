import { describe, expect, it } from "vitest";
import { isLiaisonError } from "../../src/core/errors.ts";
import { BlindedQuery, QueryBudget, QueryKey, QueryTable } from "../../src/modules/matching/matching.query.ts";

const phones = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `+9198${String(from + i).padStart(8, "0")}`);
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return isLiaisonError(error) ? error.code : String(error);
  }
  return "no error";
};

/** One round trip: asker blinds, answerer evaluates, asker finishes and looks up. */
function ask(key: QueryKey, table: QueryTable, value: string) {
  const query = new BlindedQuery("phone", value);
  const tag = query.finish(key.evaluate(query.blinded));
  return { hit: table.has(tag), tag, blinded: query.blinded };
}

describe("single queries by OPRF", () => {
  const key = QueryKey.fresh();
  const list = phones(0, 500);
  const tableBytes = key.table("phone", list, 128);
  const table = new QueryTable(tableBytes);

  it("answers hit for a listed value and no hit otherwise", () => {
    expect(table.size).toBe(500);
    expect(ask(key, table, list[17] as string).hit).toBe(true);
    expect(ask(key, table, list[499] as string).hit).toBe(true);
    expect(ask(key, table, phones(10_000, 1)[0] as string).hit).toBe(false);
  });

  it("the answerer sees a fresh, unlinkable element each time, never the value; the table names no value", () => {
    const a = ask(key, table, list[3] as string);
    const b = ask(key, table, list[3] as string);
    expect(a.blinded.equals(b.blinded)).toBe(false);
    expect(a.tag.equals(b.tag)).toBe(true);
    const text = tableBytes.toString("latin1") + tableBytes.toString("base64") + tableBytes.toString("hex");
    for (const v of list.slice(0, 50)) expect(text).not.toContain(v.slice(1));
  });

  it("another list's key gives unrelated tags (no linking across lists or rotations)", () => {
    const other = QueryKey.fresh();
    expect(ask(other, table, list[3] as string).hit).toBe(false);
  });

  it("refuses invalid and low-order blinded points, and an erased key", () => {
    expect(codeOf(() => key.evaluate(Buffer.alloc(32)))).toBe("LIAISON_MATCHING_POINT_INVALID");
    expect(codeOf(() => key.evaluate(Buffer.from(`01${"00".repeat(31)}`, "hex")))).toBe(
      "LIAISON_MATCHING_POINT_INVALID",
    );
    expect(codeOf(() => key.evaluate(Buffer.alloc(31)))).toBe("LIAISON_MATCHING_POINT_INVALID");
    const doomed = QueryKey.fresh();
    doomed.erase();
    expect(codeOf(() => doomed.evaluate(new BlindedQuery("phone", list[0] as string).blinded))).toBe(
      "LIAISON_MATCHING_SECRET_ERASED",
    );
  });

  it("a query finishes once", () => {
    const query = new BlindedQuery("phone", list[0] as string);
    const answer = key.evaluate(query.blinded);
    query.finish(answer);
    expect(codeOf(() => query.finish(answer))).toBe("LIAISON_MATCHING_SECRET_ERASED");
  });

  it("caps per officer and per party per UTC day", () => {
    const budget = new QueryBudget({ perOfficerPerDay: 2, perPartyPerDay: 3 });
    const day = new Date("2026-12-02T10:00:00Z");
    budget.take("IN", "officer-1", day);
    budget.take("IN", "officer-1", day);
    expect(codeOf(() => budget.take("IN", "officer-1", day))).toBe("LIAISON_MATCHING_QUERY_LIMIT");
    budget.take("IN", "officer-2", day);
    expect(codeOf(() => budget.take("IN", "officer-3", day))).toBe("LIAISON_MATCHING_QUERY_LIMIT");
    budget.take("CA", "officer-9", day);
    budget.take("IN", "officer-1", new Date("2026-12-03T00:00:01Z"));
  });
});
