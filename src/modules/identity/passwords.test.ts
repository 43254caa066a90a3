import { describe, expect, it } from "vitest";
import { generatePassword, hashPassword, passwordWeakness, verifyPassword } from "./passwords.ts";

describe("password hashing", () => {
  it("verifies the right password only, with a salt of its own per hash", async () => {
    const a = await hashPassword("Correct-Horse-42");
    const b = await hashPassword("Correct-Horse-42");
    expect(a).toMatch(/^scrypt\$15\$8\$1\$/);
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
