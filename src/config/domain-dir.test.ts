import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { domainDir } from "./domain-dir.ts";

describe("domain data", () => {
  it("ships the domain files in the repository", () => {
    for (const file of [
      "agencies.json",
      "handling.json",
      "legal-bases.json",
      "precursors.json",
      "workplan-2026.json",
    ]) {
      expect(existsSync(join(domainDir({}), file)), file).toBe(true);
    }
  });

  // The project's shared folder sits beside the repository in development and CI; the copy must not drift.
  const shared = join(domainDir({}), "..", "..", "shared", "domain");
  it.skipIf(!existsSync(shared))("is identical to the shared domain folder", () => {
    for (const file of readdirSync(shared).filter((f) => f.endsWith(".json"))) {
      expect(readFileSync(join(domainDir({}), file), "utf8"), file).toBe(readFileSync(join(shared, file), "utf8"));
    }
  });
});
