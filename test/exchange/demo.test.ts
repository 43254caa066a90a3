import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seedDemoThreads } from "../../src/modules/exchange/exchange.demo.ts";
import { startDemo } from "../../src/node/demo.ts";
import { eventually, freePort, randomSchema, TEST_DATABASE_URL, tempDir } from "../support/nodes.ts";
import { seedEmbeddedDatabase } from "../support/pglite-template.ts";

async function overrides() {
  const result: Record<"IN" | "CA", Record<string, unknown>> = { IN: {}, CA: {} };
  for (const party of ["IN", "CA"] as const) {
    const port = await freePort();
    result[party] = {
      listen: { host: "127.0.0.1", port },
      baseUrl: `http://127.0.0.1:${port}`,
      logLevel: "silent",
      federation: { retryBaseSeconds: 0.05, retryMaxSeconds: 1, pollIntervalMs: 50 },
      ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: randomSchema("demo") } : {}),
    };
  }
  return result;
}

describe("demo exchange threads", () => {
  it("seeds threads both ways that pass the gates and arrive, once", async () => {
    const root = tempDir("liaison-demo-");
    if (!TEST_DATABASE_URL) for (const dir of ["in", "ca"]) seedEmbeddedDatabase(join(root, dir));
    const demo = await startDemo({ root, overrides: await overrides(), logLevel: "silent" });
    try {
      const count = async (party: "IN" | "CA", direction: "inbound" | "outbound") =>
        Number(
          (
            await demo.nodes[party].deps.database.db
              .selectFrom("exchange_threads")
              .select((eb) => eb.fn.countAll<number>().as("c"))
              .where("direction", "=", direction)
              .executeTakeFirstOrThrow()
          ).c,
        );
      const sentByIndia = await count("IN", "outbound");
      const sentByCanada = await count("CA", "outbound");
      expect(sentByIndia).toBeGreaterThanOrEqual(3);
      expect(sentByCanada).toBeGreaterThanOrEqual(2);
      await eventually(async () => (await count("CA", "inbound")) === sentByIndia, 20_000);
      await eventually(async () => (await count("IN", "inbound")) === sentByCanada, 20_000);
      const services = { IN: demo.nodes.IN.deps.exchange.service, CA: demo.nodes.CA.deps.exchange.service };
      const userOf = (party: "IN" | "CA", username: string) =>
        demo.nodes[party].deps.identity.users.findByUsername(username);
      expect(await seedDemoThreads(services, userOf)).toBe(0);
      expect(await count("IN", "outbound")).toBe(sentByIndia);
    } finally {
      await demo.close();
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
