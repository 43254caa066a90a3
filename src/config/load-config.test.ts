import { describe, expect, it } from "vitest";
import { resolveConfig } from "./load-config.ts";

const base = { party: "IN", name: "Test", baseUrl: "http://127.0.0.1:7100", dataDir: "/tmp/liaison-config-test" };

describe("the password hashing cost", () => {
  it("is scrypt 2^17 unless set", () => {
    expect(resolveConfig(base, {}).identity.passwordHashCost).toBe(17);
  });

  it.each(["production", "demo", "development"])("cannot go below 2^17 in mode %s", (mode) => {
    expect(() => resolveConfig({ ...base, mode, identity: { passwordHashCost: 13 } }, {})).toThrow(/only in mode test/);
  });

  it("may go lower in mode test only, and never below 2^10", () => {
    expect(
      resolveConfig({ ...base, mode: "test", identity: { passwordHashCost: 13 } }, {}).identity.passwordHashCost,
    ).toBe(13);
    expect(() => resolveConfig({ ...base, mode: "test", identity: { passwordHashCost: 8 } }, {})).toThrow();
  });
});
