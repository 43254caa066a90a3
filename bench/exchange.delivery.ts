import { rmSync } from "node:fs";
import pg from "pg";
import { request } from "undici";
import { STRONG_PASSWORD } from "../test/identity/helpers.ts";
import { NodeProcess, pinEachOther } from "../test/support/processes.ts";

/**
 * Delivery latency with each party's node in its own operating-system process (as in production, where they sit
 * on different machines): requests are submitted to India's API at a fixed offered rate, and the latency is the
 * time until each is committed in Canada's inbox (Canada's row time minus the submit time; one machine clock).
 */
export async function measureDelivery(options: { url: string; rate: number; requests: number }) {
  // Compiled, as operators run it (npm run build, done by prebench:exchange).
  const india = await NodeProcess.create({ party: "IN", databaseUrl: options.url, entry: "build" });
  const canada = await NodeProcess.create({ party: "CA", databaseUrl: options.url, entry: "build" });
  await Promise.all([india.start(), canada.start()]);
  try {
    await pinEachOther(india, canada);
    const username = `bench.${Math.random().toString(36).slice(2, 8)}`;
    const created = await india.api("POST", "/api/v1/users", {
      username,
      role: "liaison-officer",
      agency: "in-ncb",
      password: STRONG_PASSWORD,
    });
    if (created.status !== 201) throw new Error(`user: ${JSON.stringify(created.body)}`);
    const session = await request(`${india.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password: STRONG_PASSWORD }),
    });
    const { token } = (await session.body.json()) as { token: string };

    const submitted = new Map<string, number>();
    const submitTimes: number[] = [];
    const inflight: Promise<void>[] = [];
    let refused = 0;
    const started = Date.now();
    for (let i = 0; i < options.requests; i++) {
      const wait = started + (i * 1000) / options.rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t0 = Date.now();
      inflight.push(
        request(`${india.url}/api/v1/threads`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({
            lane: "drugs",
            subject: `Bench request ${i}`,
            to: "CA",
            toAgency: "ca-rcmp",
            message: {
              kind: "request",
              text: `Consignment ${i} of NPP declared as solvent; consignee details requested.`,
              priority: "high",
              tlp: "TLP:AMBER",
              permittedUse: ["H0", "H1"],
              legalBases: ["BI-WORKPLAN-2026"],
              personalData: false,
            },
          }),
        }).then(async (r) => {
          const body = (await r.body.json()) as { id?: string };
          submitTimes.push(Date.now() - t0);
          if (r.statusCode === 201 && body.id) submitted.set(body.id, t0);
          else refused++;
        }),
      );
    }
    await Promise.all(inflight);
    const offeredSeconds = (Date.now() - started) / 1000;

    const schema = canada.config().databaseSchema as string;
    const pool = new pg.Pool({ connectionString: options.url, max: 1, options: `-c search_path="${schema}"` });
    const ids = [...submitted.keys()];
    let arrived: { id: string; created_at: Date }[] = [];
    const deadline = Date.now() + 60_000;
    while (ids.length > 0 && Date.now() < deadline) {
      arrived = (await pool.query("SELECT id, created_at FROM exchange_threads WHERE id = ANY($1::uuid[])", [ids]))
        .rows;
      if (arrived.length === ids.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await pool.end();
    return {
      offeredSeconds,
      refused,
      arrived: arrived.length,
      submitTimes,
      latencies: arrived.map((a) => a.created_at.getTime() - (submitted.get(a.id) ?? 0)),
    };
  } finally {
    await Promise.all([india.stop(), canada.stop()]);
    for (const n of [india, canada]) rmSync(n.dataDir, { recursive: true, force: true });
  }
}
