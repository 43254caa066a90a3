import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenApiDocument, operationsOf, ResponseContract, successSchemasOf } from "../support/contract.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/**
 * The API's contract is its OpenAPI document, produced from the routes' Zod schemas. Every operation must say
 * what it answers on success (the web client's types and the response check in test/support/contract.ts come
 * from those schemas), and every error it documents must be a Problem with a code docs/errors.md explains.
 */
let node: TestNode;
let doc: OpenApiDocument;

beforeAll(async () => {
  node = await startTestNode({ party: "IN", listen: false });
  const response = await node.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
  doc = response.json() as OpenApiDocument;
}, 120_000);

afterAll(async () => {
  await node?.close();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with operations", () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(operationsOf(doc).length).toBeGreaterThan(40);
  });

  it("gives every operation a success-response schema", () => {
    const untyped = operationsOf(doc)
      .filter((op) => successSchemasOf(op.operation).length === 0)
      .map((op) => `${op.method.toUpperCase()} ${op.path}`);
    expect(untyped).toEqual([]);
  });

  it("documents every error as the shared Problem, with codes docs/errors.md explains", () => {
    const errorsDoc = readFileSync("docs/errors.md", "utf8");
    const wrong: string[] = [];
    const undocumented = new Set<string>();
    for (const { method, path, operation } of operationsOf(doc)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!/^[45]/.test(status)) continue;
        // TAXII 2.1 has an error message of its own (section 3.6.1), in its own media type; the Liaison code is
        // its error_code. Everything else answers the one Problem.
        const [media, ref] = path.startsWith("/taxii2/")
          ? ["application/taxii+json;version=2.1", "#/components/schemas/TaxiiError"]
          : ["application/problem+json", "#/components/schemas/Problem"];
        const schema = response.content?.[media]?.schema;
        if (schema?.$ref !== ref) wrong.push(`${method} ${path} ${status}`);
        const codes = response.description?.match(/LIAISON_[A-Z0-9_]+/g) ?? [];
        if (codes.length === 0) wrong.push(`${method} ${path} ${status}: names no code`);
        for (const code of codes) if (!errorsDoc.includes(`\`${code}\``)) undocumented.add(code);
      }
    }
    expect(wrong).toEqual([]);
    expect([...undocumented]).toEqual([]);
    expect(doc.components?.schemas?.Problem).toBeDefined();
    expect(doc.components?.schemas?.TaxiiError).toBeDefined();
  });

  it("documents the TAXII 2.1 server's answers in TAXII's media type", () => {
    const taxii = operationsOf(doc).filter((op) => op.path.startsWith("/taxii2/"));
    expect(taxii.length).toBeGreaterThanOrEqual(10);
    const wrong = taxii.flatMap(({ method, path, operation }) =>
      Object.entries(operation.responses ?? {})
        .filter(([, response]) => !response.content?.["application/taxii+json;version=2.1"])
        .map(([status]) => `${method} ${path} ${status}`),
    );
    expect(wrong).toEqual([]);
  });
});

describe("the response check of the test helpers (test/support/contract.ts)", () => {
  it("refuses a body that does not match the operation's schema, and passes one that does", async () => {
    const contract = new ResponseContract(doc);
    const check = (body: unknown) => () =>
      contract.check("GET", "/api/v1/tokens", 200, "application/json; charset=utf-8", body);
    const listed = await node.api<{ items: unknown[] }>("GET", "/api/v1/tokens");
    expect(listed.body.items.length).toBeGreaterThan(0);
    expect(check(listed.body)).not.toThrow();
    // The field the web client once expected and the server never sent, a wrong type, a missing field.
    expect(check({ items: [{ ...(listed.body.items[0] as object), outboxStatus: "pending" }] })).toThrow(/contract/);
    expect(check({ items: [{ ...(listed.body.items[0] as object), status: 3 }] })).toThrow(/contract/);
    expect(check({ items: [{ id: (listed.body.items[0] as { id: string }).id }] })).toThrow(/contract/);
  });
});

describe("the web client's types", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
    });

  it("come from the server's schemas by type-only imports, so Vite bundles no server code", () => {
    const valueImports: string[] = [];
    // Tests are not bundled (they may compare the web's copies with the server's own values).
    for (const file of files("web/src").filter((f) => !/\.test\.tsx?$/.test(f))) {
      for (const m of readFileSync(file, "utf8").matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)) {
        if ((m[2] as string).includes("/src/") && !m[1]) valueImports.push(`${file}: ${m[2]}`);
      }
    }
    expect(valueImports).toEqual([]);
    expect(readFileSync("web/src/api/contract.ts", "utf8")).toContain("exchange.schema.ts");
  });
});
