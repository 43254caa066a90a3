import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { domainDir } from "../../config/domain-dir.ts";
import { genesisDigest, loadGenesis } from "./workplan.seed.ts";

describe("workplan genesis from the domain files", () => {
  it("reads the six published initiatives, the same bytes every time", () => {
    const genesis = loadGenesis(domainDir());
    expect(genesis.agreement).toMatchObject({ id: "in-ca-2026", parties: ["IN", "CA"], agreedOn: "2026-02-07" });
    expect(genesis.initiatives.map((i) => i.id)).toEqual([
      "liaison-officers",
      "drugs-precursors",
      "toc-networks",
      "cyber",
      "fraud-immigration",
      "agency-relationships",
    ]);
    expect(genesis.lanes.drugs).toContain("fentanyl");
    expect(genesisDigest(loadGenesis(domainDir()))).toBe(genesisDigest(genesis));
  });

  it("reads the folder it is given and refuses a malformed workplan file", () => {
    const dir = mkdtempSync(join(tmpdir(), "wp-domain-"));
    expect(() => loadGenesis(dir)).toThrow(expect.objectContaining({ code: "LIAISON_WORKPLAN_SEED_INVALID" }));
    cpSync(join(domainDir(), "agencies.json"), join(dir, "agencies.json"));
    writeFileSync(join(dir, "workplan-2026.json"), JSON.stringify({ agreement: { id: "x" }, initiatives: [] }));
    expect(() => loadGenesis(dir)).toThrow(expect.objectContaining({ code: "LIAISON_WORKPLAN_SEED_INVALID" }));
  });
});
