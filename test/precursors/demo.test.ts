import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seedDemoPrecursors } from "../../src/modules/precursors/precursors.demo.ts";
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

describe("demo precursor notifications and incidents", () => {
  it("seeds both ways through the gates, they arrive, and seeding again adds nothing", async () => {
    const root = tempDir("liaison-demo-");
    if (!TEST_DATABASE_URL) for (const dir of ["in", "ca"]) seedEmbeddedDatabase(join(root, dir));
    const demo = await startDemo({ root, overrides: await overrides(), logLevel: "silent" });
    try {
      const count = async (
        party: "IN" | "CA",
        table: "precursor_notifications" | "precursor_incidents",
        direction: string,
      ) =>
        Number(
          (
            await demo.nodes[party].deps.database.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as("c"))
              .where("direction", "=", direction as "inbound")
              .executeTakeFirstOrThrow()
          ).c,
        );
      for (const [from, to] of [
        ["IN", "CA"],
        ["CA", "IN"],
      ] as const) {
        for (const table of ["precursor_notifications", "precursor_incidents"] as const) {
          const sent = await count(from, table, "outbound");
          expect(sent).toBeGreaterThanOrEqual(1);
          await eventually(async () => (await count(to, table, "inbound")) === sent, 20_000);
        }
      }
      const nodes = { IN: demo.nodes.IN.deps.precursors, CA: demo.nodes.CA.deps.precursors };
      const userOf = (party: "IN" | "CA", username: string) =>
        demo.nodes[party].deps.identity.users.findByUsername(username);
      expect(await seedDemoPrecursors(nodes, userOf)).toBe(0);
    } finally {
      await demo.close();
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
