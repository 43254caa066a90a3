import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

/** Codes are written literally, or through an area helper such as federationError("X") -> LIAISON_FEDERATION_X. */
function codesUsed(): Set<string> {
  const codes = new Set<string>();
  for (const file of sourceFiles("src")) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/["'`](LIAISON_[A-Z0-9_]*[A-Z0-9])["'`:]/g)) codes.add(m[1] as string);
    for (const m of text.matchAll(/(\w+)Error\(\s*"([A-Z0-9_]+)"/g)) {
      const area = {
        federation: "FEDERATION",
        audit: "AUDIT",
        policy: "POLICY",
        compliance: "COMPLIANCE",
        exchange: "EXCHANGE",
        workplan: "WORKPLAN",
        identity: "IDENTITY",
      }[m[1] as string];
      if (area) codes.add(`LIAISON_${area}_${m[2]}`);
    }
  }
  return codes;
}

describe("error codes", () => {
  it("every code used in src/ is documented in docs/errors.md", () => {
    const doc = readFileSync("docs/errors.md", "utf8");
    const missing = [...codesUsed()].filter((code) => !doc.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it("finds the codes it is meant to check", () => {
    const codes = codesUsed();
    expect(codes.has("LIAISON_FEDERATION_ENVELOPE_STALE")).toBe(true);
    expect(codes.has("LIAISON_AUTH_REQUIRED")).toBe(true);
  });
});
