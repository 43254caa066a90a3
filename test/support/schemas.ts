import pg from "pg";

/**
 * PostgreSQL schemas made by tests and benchmarks. CI runs against the server as the last session left it, so
 * every run drops what it made, and schemas of runs that died are dropped once they are old: a catalogue that
 * only grows slows every node on the server.
 *
 * Names are `lt_<run>_<prefix>_<random>`, where <run> is the start time (base 36) of the run that made them.
 */
const PREFIX = "lt";
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/** The run id: set once by the global setup so every test worker of a run shares it. */
export function testRunId(): string {
  process.env.LIAISON_TEST_RUN ??= Date.now().toString(36);
  return process.env.LIAISON_TEST_RUN;
}

export function randomSchema(prefix = "t"): string {
  return `${PREFIX}_${testRunId()}_${prefix}_${Math.random().toString(36).slice(2, 8)}`;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function dropSchemas(url: string, keep: (run: string) => boolean): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE '${PREFIX}\\_%'`,
    );
    let dropped = 0;
    for (const { nspname } of rows) {
      const run = nspname.split("_")[1] ?? "";
      if (keep(run)) continue;
      await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
      dropped++;
    }
    return dropped;
  });
}

/** Drop the schemas of this run (after its last test). */
export function dropRunSchemas(url: string, run = testRunId()): Promise<number> {
  return dropSchemas(url, (other) => other !== run);
}

/** Drop schemas left by runs that started long ago and never cleaned up (killed, crashed). */
export function dropStaleSchemas(url: string, now = Date.now()): Promise<number> {
  return dropSchemas(url, (run) => {
    const started = Number.parseInt(run, 36);
    return Number.isFinite(started) && now - started < STALE_AFTER_MS;
  });
}
