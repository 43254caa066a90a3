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

export async function listPeers(db: Db): Promise<PeersTable[]> {
  return db.selectFrom("peers").selectAll().orderBy("party").execute();
}

export async function deletePeer(db: DbOrTx, party: string): Promise<boolean> {
  const result = await db.deleteFrom("peers").where("party", "=", party).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
