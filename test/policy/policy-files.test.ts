import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/load-config.ts";
import { PolicyService } from "../../src/modules/policy/policy.service.ts";
import { defaultPolicyDir, loadPolicyFolder, readSchema } from "../../src/modules/policy/policy-files.ts";
import { createNode } from "../../src/node/node.ts";
import { freePort, randomSchema, TEST_DATABASE_URL, tempDir } from "../support/nodes.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the shipped policies with one file added, to break them on purpose. */
function policiesWith(file: string, text: string): string {
  const dir = tempDir("liaison-policies-");
  dirs.push(dir);
  cpSync(defaultPolicyDir(), dir, { recursive: true });
  writeFileSync(join(dir, file), text);
  return dir;
}

describe("policy files", () => {
  it("every shipped policy parses, carries @id and @reason, and validates against the schema", () => {
    const schema = readSchema(defaultPolicyDir());
    for (const folder of ["access", "packs/ca", "packs/in"]) {
      const policies = loadPolicyFolder(defaultPolicyDir(), folder, schema);
      expect(policies.size).toBeGreaterThan(0);
      for (const p of policies.values()) {
        expect(p.id).toMatch(/^[a-z0-9-]+$/);
        expect(p.reason.length).toBeGreaterThan(10);
      }
    }
  });

  it.each([
    {
      name: "an attribute the schema does not have",
      text: '@id("bad") @reason("reads a missing attribute")\npermit (principal, action == Liaison::Action::"thread.read", resource) when { resource.colour == "red" };',
      message: /policy bad does not validate/,
    },
    {
      name: "an action the schema does not have",
      text: '@id("bad") @reason("unknown action")\npermit (principal, action == Liaison::Action::"thread.delete", resource);',
      message: /policy bad does not validate/,
    },
    { name: "a syntax error", text: "permit (principal, action, resource", message: /does not parse/ },
    {
      name: "a policy without @reason",
      text: '@id("bad")\npermit (principal, action == Liaison::Action::"search", resource);',
      message: /@id and @reason/,
    },
    {
      name: "a duplicate id",
      text: '@id("party-boundary") @reason("again")\npermit (principal, action == Liaison::Action::"search", resource);',
      message: /used twice/,
    },
  ])("refuses $name with LIAISON_POLICY_INVALID", ({ text, message }) => {
    const dir = policiesWith("access/zz-broken.cedar", text);
    expect(() => new PolicyService({ policyDir: dir })).toThrow(
      expect.objectContaining({ code: "LIAISON_POLICY_INVALID", message: expect.stringMatching(message) }),
    );
  });

  it("refuses a pack policy that does not validate", () => {
    const dir = policiesWith(
      "packs/ca/zz-broken.cedar",
      '@id("bad") @reason("x")\nforbid (principal, action == Liaison::Action::"disclose", resource) when { resource.nonsense };',
    );
    return expect(startNodeWith(dir)).rejects.toMatchObject({ code: "LIAISON_POLICY_INVALID" });
  });

  it("an invalid access policy stops the node before it opens its database or listens", async () => {
    const dir = policiesWith("access/zz-broken.cedar", "forbid (principal, action, resource) when { 1 + };");
    await expect(startNodeWith(dir)).rejects.toMatchObject({
      code: "LIAISON_POLICY_INVALID",
      message: expect.stringContaining("access/zz-broken.cedar"),
    });
  });
});

async function startNodeWith(policyDir: string) {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const port = await freePort();
  const config = resolveConfig(
    {
      party: "CA",
      name: "Policy test",
      mode: "test",
      listen: { host: "127.0.0.1", port },
      baseUrl: `http://127.0.0.1:${port}`,
      dataDir,
      logLevel: "silent",
      ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: randomSchema() } : {}),
    },
    {},
  );
  const node = await createNode(config, { createKeys: true, policyDir });
  await node.close();
  return node;
}
