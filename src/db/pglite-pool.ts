import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { type DatabaseError, serialize } from "pg-protocol";
import type {
  BackendMessage,
  CommandCompleteMessage,
  DataRowMessage,
  ReadyForQueryMessage,
  RowDescriptionMessage,
} from "pg-protocol/dist/messages.js";
import { Parser } from "pg-protocol/dist/parser.js";

/** Prepared statements kept per database; the least recently used one is closed beyond this. */
export const PREPARED_STATEMENTS = 200;

// node-postgres's own parameter encoding (dates, arrays, JSON, Buffers as binary), which @types/pg does not declare.
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils;

interface QueryResult {
  command: string;
  rowCount: number;
  rows: Record<string, unknown>[];
}

/**
 * Adapts one embedded PGlite instance to the part of the `pg` pool interface that Kysely's PostgresDialect uses,
 * so both databases go through the same driver and the same SQL. It speaks the wire protocol to PGlite itself:
 *
 * - Same encoding as on PostgreSQL: parameters go through node-postgres's `prepareValue` and results through the
 *   `pg.types` parsers, so a value reads back the same on both databases.
 * - One call per statement: PGlite's `query()` enters the WebAssembly six times per statement (parse, describe,
 *   bind, describe, execute, sync), each with its own promise, and plans the statement every time.
 * - Statements with parameters are prepared once under a name, then only bound and executed. Kysely's SQL text
 *   is the same for the same query shape.
 *
 * On a bench node's database this took a primary-key select from 0.17 to 0.06 ms, and the outbox claim (mostly
 * planning) from 0.36 to 0.03 ms.
 *
 * Like node-postgres, a statement without parameters goes as a simple query, so migrations may hold several
 * statements. PGlite has a single session, so "connections" are handed out one at a time: a transaction owns it
 * until release.
 */
export function pglitePool(pglite: PGlite) {
  let tail: Promise<void> = Promise.resolve();
  /** SQL text -> statement name, least recently used first. Statements outlive transactions (session-level). */
  const prepared = new Map<string, string>();
  let nextName = 0;

  function exchange(messages: Buffer[]): { messages: BackendMessage[]; status: string } {
    const output = pglite.execProtocolRawSync(Buffer.concat(messages));
    const received: BackendMessage[] = [];
    new Parser().parse(Buffer.from(output.buffer, output.byteOffset, output.byteLength), (m) => received.push(m));
    const ready = received.findLast((m) => m.name === "readyForQuery") as ReadyForQueryMessage | undefined;
    return { messages: received, status: ready?.status ?? "I" };
  }

  function run(text: string, parameters: readonly unknown[]): { messages: BackendMessage[]; status: string } {
    if (parameters.length === 0) return exchange([serialize.query(text)]);
    const out: Buffer[] = [];
    let name = prepared.get(text);
    const parsing = name === undefined;
    if (name === undefined) {
      name = `liaison_${nextName++}`;
      if (prepared.size >= PREPARED_STATEMENTS) {
        const [oldestText, oldest] = prepared.entries().next().value as [string, string];
        prepared.delete(oldestText);
        out.push(serialize.close({ type: "S", name: oldest }));
      }
      out.push(serialize.parse({ name, text, types: [] }));
    } else {
      prepared.delete(text); // set again below: most recently used
    }
    out.push(
      serialize.bind({ statement: name, values: parameters as unknown[], valueMapper: prepareValue as never }),
      serialize.describe({ type: "P" }),
      serialize.execute({}),
      serialize.sync(),
    );
    const result = exchange(out);
    // The name exists once PostgreSQL parsed it, whether or not this execution then failed.
    if (!parsing || result.messages.some((m) => m.name === "parseComplete")) prepared.set(text, name);
    return result;
  }

  function toResult(messages: BackendMessage[]): QueryResult {
    let error: DatabaseError | undefined;
    let parsers: ((value: string) => unknown)[] = [];
    let names: string[] = [];
    let rows: Record<string, unknown>[] = [];
    let command = "";
    let rowCount = 0;
    for (const message of messages) {
      switch (message.name) {
        case "error":
          error ??= message as DatabaseError;
          break;
        case "rowDescription": {
          // Several statements in one simple query: like node-postgres, the last one's rows are the result.
          const { fields } = message as RowDescriptionMessage;
          names = fields.map((f) => f.name);
          parsers = fields.map((f) => pg.types.getTypeParser(f.dataTypeID, f.format));
          rows = [];
          break;
        }
        case "dataRow": {
          const values = (message as DataRowMessage).fields;
          const row: Record<string, unknown> = {};
          for (let i = 0; i < names.length; i++) {
            const value = values[i];
            row[names[i] as string] = value === null ? null : (parsers[i] as (v: string) => unknown)(value);
          }
          rows.push(row);
          break;
        }
        case "commandComplete": {
          // "INSERT 0 5", "UPDATE 3", "SELECT 10", "BEGIN"
          const words = (message as CommandCompleteMessage).text.split(" ");
          command = words[0] ?? "";
          rowCount = words.length > 1 ? Number(words.at(-1)) : 0;
          break;
        }
      }
    }
    if (error) throw error;
    return { command, rowCount, rows };
  }

  const client = {
    async query(text: string, parameters: readonly unknown[] = []): Promise<QueryResult> {
      let response = run(text, parameters);
      const failure = response.messages.find((m) => m.name === "error") as DatabaseError | undefined;
      // A prepared statement whose tables changed shape since (DDL) cannot run: forget it, and outside a failed
      // transaction prepare it again at once.
      const stale = prepared.get(text);
      if (failure?.code === "0A000" && stale !== undefined) {
        prepared.delete(text);
        if (response.status !== "E") {
          exchange([serialize.close({ type: "S", name: stale }), serialize.sync()]);
          response = run(text, parameters);
        }
      }
      // PGlite's own query() syncs its files after each statement outside a transaction; do the same (a no-op on
      // the Node file system, which writes through).
      if (response.status === "I") await pglite.syncToFs();
      return toResult(response.messages);
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
