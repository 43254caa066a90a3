import { describe, expect, it } from "vitest";
import { generatePassword, hashPassword, needsRehash, passwordWeakness, verifyPassword } from "./passwords.ts";

describe("password hashing", () => {
  it("verifies the right password only, with a salt of its own per hash", async () => {
    // At 2^13: what is tested here does not depend on the cost, and 2^17 is slow on a loaded machine.
    const a = await hashPassword("Correct-Horse-42", 13);
    const b = await hashPassword("Correct-Horse-42", 13);
    expect(a).toMatch(/^scrypt\$13\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("Correct-Horse-42", a)).toBe(true);
    expect(await verifyPassword("Correct-Horse-43", a)).toBe(false);
    // Change the first character of the hash: every bit of it counts (the last one carries padding bits that
    // decoding drops, so changing it could leave the bytes as they were).
    const parts = a.split("$");
    const hash = parts[5] as string;
    parts[5] = (hash[0] === "A" ? "B" : "A") + hash.slice(1);
    expect(await verifyPassword("Correct-Horse-42", parts.join("$"))).toBe(false);
    expect(await verifyPassword("Correct-Horse-42", "plain$text")).toBe(false);
  });

  it("uses N=2^17 and marks older, cheaper hashes for re-hashing, which still verify", {
    timeout: 120_000,
  }, async () => {
    const current = await hashPassword("Correct-Horse-42");
    const old = await hashPassword("Correct-Horse-42", 15);
    expect(old).toMatch(/^scrypt\$15\$/);
    expect(needsRehash(current)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    // At a node's configured cost (identity.passwordHashCost), only what is weaker than that.
    expect(needsRehash(old, 15)).toBe(false);
    expect(needsRehash(old, 16)).toBe(true);
    expect(await verifyPassword("Correct-Horse-42", old)).toBe(true);
  });

  it("refuses a stored hash that asks for more memory than the node allows, without deriving", async () => {
    const parts = (await hashPassword("Correct-Horse-42", 13)).split("$");
    parts[1] = "24";
    expect(await verifyPassword("Correct-Horse-42", parts.join("$"))).toBe(false);
  });

  it("derives many hashes at once without exceeding the memory bound", { timeout: 120_000 }, async () => {
    const hashes = await Promise.all(Array.from({ length: 3 }, () => hashPassword("Correct-Horse-42")));
    expect(new Set(hashes).size).toBe(3);
  });
});

describe("password policy", () => {
  const cases: [string, string, boolean][] = [
    ["Sh0rt!", "alice", false],
    ["abcdefghijklmnop", "alice", false],
    ["aaaaaaaaaaaaaaaaaaaaaaaa", "alice", false],
    ["My-alice-Pass-99", "alice", false],
    ["Correct-Horse-42", "alice", true],
    ["correct horse battery staple", "alice", true],
  ];
  it.each(cases)("%s for %s acceptable: %s", (password, username, ok) => {
    expect(passwordWeakness(password, username) === undefined).toBe(ok);
  });

  it("generates passwords that pass the policy", () => {
    for (let i = 0; i < 50; i++) expect(passwordWeakness(generatePassword(), "in.ncb.officer")).toBeUndefined();
  });
});
