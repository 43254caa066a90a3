import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROLES } from "../../src/modules/identity/principal.ts";
import { ACTIONS, PolicyService } from "../../src/modules/policy/policy.service.ts";
import { defaultPolicyDir, loadPolicyFolder, readSchema } from "../../src/modules/policy/policy-files.ts";

/**
 * The policy service shares one Cedar decision between all requests of the same shape. That is only sound if
 * the answer for the shape is the answer for each request: check it against Cedar asked with the real entities.
 */
const shaped = new PolicyService({ cacheSize: 100_000 });
const cedar = new PolicyService({ cacheSize: 0 });

const names = ["u-1", "u-2", "ca.one", "ca.two", "in.one"];
const agencies = ["ca-rcmp", "ca-cbsa", "in-ncb"];
const request = fc.record({
  principal: fc.record(
    {
      id: fc.constantFrom("u-1", "u-2", "u-3"),
      username: fc.constantFrom("ca.one", "ca.two", "u-1"),
      role: fc.constantFrom(...ROLES, "nobody"),
      party: fc.constantFrom("CA", "IN"),
      agency: fc.constantFrom(...agencies),
    },
    { requiredKeys: ["id", "role", "party"] },
  ),
  action: fc.constantFrom(...ACTIONS),
  resource: fc.record({
    type: fc.constantFrom("thread", "approval", "node"),
    id: fc.string({ maxLength: 4 }),
    attributes: fc.record(
      {
        party: fc.constantFrom("CA", "IN"),
        agency: fc.constantFrom(...agencies),
        tlp: fc.constantFrom("TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"),
        recipients: fc.subarray(names),
        requester: fc.constantFrom(...names),
      },
      { requiredKeys: [] },
    ),
  }),
});

describe("decisions shared by shape", () => {
  it("the shipped policies are shape-safe", () => {
    expect(shaped.sharesDecisionsByShape).toBe(true);
  });

  it("agree with Cedar on the real entities for random requests", () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(shaped.decide(r)).toEqual(cedar.decide(r));
      }),
      { numRuns: 3000 },
    );
  });

  it("the shipped relational comparisons keep sharing on", () => {
    const text = `@id("x") @reason("x")\npermit (principal, action == Liaison::Action::"search", resource is Liaison::Resource) when { principal has agency && resource has agency && principal.agency == resource.agency && resource.party == principal.party };`;
    expect(loadFromText(text).comparesIdentityToLiteral).toBe(false);
  });

  it.each([
    ['resource has agency && resource.agency == "ca-rcmp"'],
    ['["CA"].contains(resource.party)'],
    ['resource has recipients && resource.recipients.contains("u-1")'],
    ["resource has agency && resource.agency == principal.party"],
    ['resource has agency && resource.agency like "ca-*"'],
  ])("a policy with %s turns shape sharing off", (condition) => {
    const text = `@id("x") @reason("x")\npermit (principal, action == Liaison::Action::"search", resource is Liaison::Resource) when { ${condition} };`;
    const parsed = loadFromText(text);
    expect(parsed.comparesIdentityToLiteral).toBe(true);
  });
});

function loadFromText(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "liaison-shape-"));
  try {
    mkdirSync(join(dir, "access"));
    copyFileSync(join(defaultPolicyDir(), "schema.cedarschema"), join(dir, "schema.cedarschema"));
    writeFileSync(join(dir, "access", "x.cedar"), text);
    const policy = loadPolicyFolder(dir, "access", readSchema(dir)).get("x");
    if (!policy) throw new Error("not loaded");
    return policy;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
