import { PGlite } from "@electric-sql/pglite";
import { serialize } from "pg-protocol";
import { Parser } from "pg-protocol/dist/parser.js";
const db = await PGlite.create(process.argv[2]);
const id = (await db.query<{ envelope_id: string }>("select envelope_id from outbox limit 1")).rows[0]!.envelope_id;
const now = new Date().toISOString();
const Q = {
  pk: ["select * from outbox where envelope_id = $1", [id]],
  claim: [`UPDATE outbox SET lease_until = $1, attempts = attempts + 1 WHERE envelope_id IN (SELECT envelope_id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2) ORDER BY next_attempt_at LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING envelope_id, peer, jwe, digest, queued_at, attempts`, [now, now]],
  insq: [`insert into audit_queue (at, party, events) values ($1, $2, $3) returning id`, [now, "IN", JSON.stringify([{ a: 1 }])]],
} as const;
function run(buf: Uint8Array) {
  const out = db.execProtocolRawSync(buf);
  const msgs: any[] = [];
  new Parser().parse(Buffer.from(out.buffer, out.byteOffset, out.byteLength), (m: any) => msgs.push(m));
  return msgs;
}
const prepared = new Set<string>();
function viaProtocol(text: string, params: readonly unknown[], named: boolean) {
  const parts: Buffer[] = [];
  const name = named ? "s_" + text.length : "";
  if (!named || !prepared.has(name)) { parts.push(serialize.parse({ name, text, types: [] })); if (named) prepared.add(name); }
  parts.push(serialize.bind({ statement: name, values: params as any }), serialize.describe({ type: "P" }), serialize.execute({}), serialize.sync());
  const msgs = run(Buffer.concat(parts));
  const err = msgs.find((m) => m.name === "error"); if (err) throw new Error(err.message);
  return msgs;
}
for (const [k, [text, params]] of Object.entries(Q)) {
  for (let round = 0; round < 2; round++) {
    const N = 1000;
    let t = performance.now(); for (let i = 0; i < N; i++) await db.query(text, params as any); const a = (performance.now() - t) / N;
    t = performance.now(); for (let i = 0; i < N; i++) viaProtocol(text, params, false); const b = (performance.now() - t) / N;
    t = performance.now(); for (let i = 0; i < N; i++) viaProtocol(text, params, true); const c = (performance.now() - t) / N;
    console.log(k, "pglite.query", a.toFixed(3), "one buffer", b.toFixed(3), "prepared", c.toFixed(3), "ms");
  }
}
await db.exec("delete from audit_queue where party = 'IN' and events::text like '%\"a\": 1%'");
await db.close();
