import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  peerKeysFromUrl,
  WITNESS_ANSWER_MAX_BYTES,
  witnessRecordFromUrl,
} from "../../src/modules/audit/verify-peer.ts";
import { compareWithRecord, readWitnessRecord } from "../../src/modules/audit/verify-witness.ts";

/**
 * Issue 14: `liaison audit verify --peer` reads the witness's answers with a size bound. A witness (or whatever
 * answers at its address) that sends without end makes verify fail with a clear message; it does not buffer it.
 */
describe("audit verify --peer: the witness's answers are size-bounded", () => {
  let server: Server;
  let base: string;
  /** Bytes the server managed to send per path before the client hung up. */
  const sent = new Map<string, number>();
  const CAP = 64 * 1024 * 1024;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? "/", "http://x").pathname;
      response.writeHead(200, { "content-type": "application/json" });
      // An answer that never ends: '{"items":["xxxx...' for as long as the client reads (up to CAP, to end the test).
      const chunk = Buffer.alloc(64 * 1024, 0x78);
      let total = 0;
      response.write('{"origin":"IN","items":["');
      const pump = () => {
        while (total < CAP) {
          total += chunk.length;
          sent.set(path, total);
          if (!response.write(chunk)) return void response.once("drain", pump);
        }
        response.end('"]}');
      };
      response.on("close", () => sent.set(path, total));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("an oversized descriptor fails with LIAISON_FEDERATION_PEER_RESPONSE_TOO_LARGE, naming the address", async () => {
    const error = await peerKeysFromUrl(base).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "LIAISON_FEDERATION_PEER_RESPONSE_TOO_LARGE" });
    expect(String((error as Error).message)).toContain(`${base}/federation/v1/descriptor`);
    expect(String((error as Error).message)).toContain(`larger than ${WITNESS_ANSWER_MAX_BYTES} bytes`);
    // The client stopped reading near the bound, far short of what the server would have sent.
    await expect.poll(() => sent.get("/federation/v1/descriptor") ?? 0).toBeGreaterThan(0);
    expect(sent.get("/federation/v1/descriptor")).toBeLessThan(CAP / 2);
  });

  it("an oversized record makes verify report the witness's record unreadable", async () => {
    const source = witnessRecordFromUrl("CA", base, "token", 1024 * 1024);
    const record = await readWitnessRecord(source, "IN");
    expect(record.error).toMatch(/larger than 1048576 bytes/);
    const { problems } = compareWithRecord(record, [], 0);
    expect(problems.join("\n")).toMatch(/cannot read CA's own record .*larger than 1048576 bytes/);
    expect(sent.get("/api/v1/audit/witnessed")).toBeLessThan(CAP / 2);
  });
});
