import type { PGlite } from "@electric-sql/pglite";

/**
 * Adapts one embedded PGlite instance to the small part of the `pg` pool interface that Kysely's
 * PostgresDialect uses, so both databases go through the same driver and the same SQL.
 * PGlite has a single session, so "connections" are handed out one at a time: a transaction owns it until release.
 */
export function pglitePool(pglite: PGlite) {
  let tail: Promise<void> = Promise.resolve();

  const client = {
    async query(text: string, parameters: readonly unknown[] = []) {
      const result = await pglite.query<Record<string, unknown>>(text, parameters as unknown[]);
      return {
        command: (result.command ?? "").toUpperCase(),
        rowCount: result.affectedRows ?? result.rows.length,
        rows: result.rows,
      };
    },
    release: () => {},
  };

  return {
    async connect() {
      let release!: () => void;
      const previous = tail;
      tail = new Promise<void>((resolve) => {
        release = resolve;
      });
      await previous;
      return { ...client, release };
    },
    async end() {
      await pglite.close();
    },
  };
}
