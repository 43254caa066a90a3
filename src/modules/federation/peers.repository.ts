import type { Db, DbOrTx } from "../../db/database.ts";
import type { Descriptor } from "./federation.schema.ts";

export interface PeersTable {
  party: string;
  name: string;
  base_url: string;
  descriptor: Descriptor;
  pinned_at: Date;
  updated_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    peers: PeersTable;
  }
}

export async function upsertPeer(db: DbOrTx, descriptor: Descriptor, at: Date): Promise<void> {
  await db
    .insertInto("peers")
    .values({
      party: descriptor.party,
      name: descriptor.name,
      base_url: descriptor.baseUrl,
      descriptor: JSON.stringify(descriptor) as unknown as Descriptor,
      pinned_at: at,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.column("party").doUpdateSet({
        name: descriptor.name,
        base_url: descriptor.baseUrl,
        descriptor: JSON.stringify(descriptor) as unknown as Descriptor,
        updated_at: at,
      }),
    )
    .execute();
}

/** jsonb comes back parsed from pg and PGlite; a text column (or an older driver) gives a string. */
const parsed = (row: PeersTable): PeersTable => ({
  ...row,
  descriptor: typeof row.descriptor === "string" ? (JSON.parse(row.descriptor) as Descriptor) : row.descriptor,
});

export async function listPeers(db: Db): Promise<PeersTable[]> {
  return (await db.selectFrom("peers").selectAll().orderBy("party").execute()).map(parsed);
}

export async function findPeer(db: DbOrTx, party: string, options: { forUpdate?: boolean } = {}) {
  let query = db.selectFrom("peers").selectAll().where("party", "=", party);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? parsed(row) : undefined;
}

/** Replace the stored descriptor of a pinned peer (its keys' validity changed). */
export async function updatePeerDescriptor(db: DbOrTx, descriptor: Descriptor, at: Date): Promise<void> {
  await db
    .updateTable("peers")
    .set({ descriptor: JSON.stringify(descriptor) as unknown as Descriptor, updated_at: at })
    .where("party", "=", descriptor.party)
    .execute();
}

export async function deletePeer(db: DbOrTx, party: string): Promise<boolean> {
  const result = await db.deleteFrom("peers").where("party", "=", party).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
