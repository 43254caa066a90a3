import { createServer, type Server } from "node:net";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/database.ts";
import type { NodeModule } from "../../src/modules/module.ts";
import { allMigrations } from "../../src/node/migrations.ts";
import { freePort, startTestNode } from "../support/nodes.ts";

// createNode assembles its modules in a loop and keeps a stack of what it opened: whatever step fails, what was
// opened before it is closed, so a failed start leaves no database handle, listener or timer behind.

const isClosed = async (database: DatabaseHandle) =>
  sql`SELECT 1`.execute(database.db).then(
    () => false,
    () => true,
  );

describe("assembling a node from its modules", () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  it("closes everything opened before a module whose start fails, last opened first", async () => {
    const events: string[] = [];
    let database: DatabaseHandle | undefined;
    const recorder: NodeModule = {
      name: "recorder",
      start: async () => void events.push("recorder started"),
      close: async () => {
        // The database is still open when a module closes: modules close before what they were built on.
        events.push(`recorder closed (database open: ${!(await isClosed(database as DatabaseHandle))})`);
      },
    };
    const failing: NodeModule = {
      name: "failing",
      start: async () => {
        throw new Error("this module cannot start");
      },
    };
    await expect(
      startTestNode({
        party: "IN",
        modules: (context) => {
          database = context.database;
          return [recorder, failing];
        },
      }),
    ).rejects.toThrow("this module cannot start");
    expect(events).toEqual(["recorder started", "recorder closed (database open: true)"]);
    expect(database).toBeDefined();
    expect(await isClosed(database as DatabaseHandle)).toBe(true);
  }, 240_000);

  it("closes its listeners, tasks and database when it cannot listen", async () => {
    // The operations listener's port is taken: the main listener is already up when that fails.
    const busyPort = await freePort();
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((resolve) => busy.listen(busyPort, "127.0.0.1", resolve));
    const node = await startTestNode({
      party: "CA",
      listen: false,
      config: { operations: { listen: { host: "127.0.0.1", port: busyPort } } },
    });
    // The modules' migrations are the node's whole schema.
    expect(Object.keys(node.deps.migrations).sort()).toEqual(Object.keys(allMigrations).sort());
    expect(node.deps.modules.map((m) => m.name)).toContain("exchange");
    await expect(node.listen()).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(node.app.server.listening).toBe(false);
    expect(await isClosed(node.deps.database)).toBe(true);
    await node.close(); // a second close is harmless
  }, 240_000);
});
