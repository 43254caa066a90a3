/**
 * Directory module: owns who is who across both parties — the parties and agencies of the shared domain facts
 * (mandates, lanes, the mistreatment-risk directions flag) and the public directory of liaison officers and
 * analysts. Each party owns its own entries: users are created on their own node, and only their public fields
 * travel to the peer in `directory.entries` envelopes, where they are kept read-only.
 */

import type { SealedEnvelope } from "../../core/change.ts";
import type { Clock } from "../../core/clock.ts";
import { badRequest, LiaisonError } from "../../core/errors.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db, DbOrTx } from "../../db/database.ts";
import type { EnvelopeHandler } from "../federation/envelope-handlers.ts";
import type { FederationService } from "../federation/federation.service.ts";
import type { PeerDirectory } from "../federation/peers.service.ts";
import type { DomainAgency, DomainDirectory } from "./directory.domain.ts";
import { findEntry, listEntries, listLocalEntries, upsertEntry } from "./directory.repository.ts";
import { DirectoryEntriesBody, type DirectoryEntry, type ListDirectoryUsersQuery } from "./directory.schema.ts";

export const DIRECTORY_ENVELOPE_TYPE = "directory.entries";
/** Whom an officer routes traffic to: the other roles are internal to a node and are not published. */
export const DIRECTORY_ROLES = ["liaison-officer", "analyst"] as const;
const PUBLISH_BATCH = 500;

export interface DirectoryDeps {
  db: Db;
  clock: Clock;
  party: string;
  domain: DomainDirectory;
  changes: ChangeRunner;
  federation: FederationService;
  peers: PeerDirectory;
}

export class DirectoryService {
  constructor(private readonly deps: DirectoryDeps) {}

  get lanes(): Record<string, string> {
    return this.deps.domain.lanes;
  }

  agency(id: string): DomainAgency | undefined {
    return this.deps.domain.agencies.get(id);
  }

  /** Both parties with their agencies, as the shared domain facts describe them. */
  listAgencies() {
    const all = [...this.deps.domain.agencies.values()];
    return {
      lanes: this.deps.domain.lanes,
      parties: this.deps.domain.parties.map((p) => ({
        code: p.code,
        name: p.name,
        agencies: all.filter((a) => a.party === p.code),
      })),
    };
  }

  listUsers(query: ListDirectoryUsersQuery) {
    return listEntries(this.deps.db, { ...query, roles: DIRECTORY_ROLES });
  }

  isPublished(role: string): boolean {
    return (DIRECTORY_ROLES as readonly string[]).includes(role);
  }

  /** The entry's next version on this node, so the peer applies changes in order. */
  async nextVersion(db: DbOrTx, userId: string): Promise<number> {
    return ((await findEntry(db, userId))?.version ?? 0) + 1;
  }

  /** Seal entries for every pinned peer; before the transaction, as crypto must not hold locks. */
  async sealForPeers(entries: DirectoryEntry[]): Promise<SealedEnvelope[]> {
    if (entries.length === 0) return [];
    const sealed: SealedEnvelope[] = [];
    for (const peer of this.deps.peers.list()) {
      for (let i = 0; i < entries.length; i += PUBLISH_BATCH) {
        const batch = entries.slice(i, i + PUBLISH_BATCH);
        sealed.push(await this.deps.federation.prepare(peer.party, DIRECTORY_ENVELOPE_TYPE, { entries: batch }));
      }
    }
    return sealed;
  }

  /** Record a local entry in the caller's change (the user's creation or update). */
  async recordLocal(change: ChangeContext, entry: DirectoryEntry, sealed: SealedEnvelope[]): Promise<void> {
    await upsertEntry(change.tx, entry, "local", change.at);
    if (sealed.length > 0) change.send(...sealed);
  }

  /** Send every local entry to the peers again: after pinning a peer, or to repair a peer that lost them. */
  async publishAll(actor: string, requestId?: string): Promise<{ entries: number; envelopes: number }> {
    const entries = await listLocalEntries(this.deps.db);
    const sealed = await this.sealForPeers(entries);
    if (sealed.length === 0) return { entries: entries.length, envelopes: 0 };
    await this.deps.changes.run(async (change) => {
      change.send(...sealed);
      change.audit({
        actor,
        action: "directory.publish",
        outcome: "success",
        requestId,
        details: { entries: entries.length, peers: [...new Set(sealed.map((s) => s.peer))] },
      });
    });
    return { entries: entries.length, envelopes: sealed.length };
  }

  /** Receiving side: the peer's entries, kept read-only; a party may only speak for its own users. */
  envelopeHandler(): EnvelopeHandler<typeof DirectoryEntriesBody> {
    return {
      type: DIRECTORY_ENVELOPE_TYPE,
      versions: [1],
      body: DirectoryEntriesBody,
      handle: async (change, { payload }) => {
        for (const entry of payload.body.entries) {
          if (entry.party !== payload.from) {
            throw badRequest(
              "LIAISON_DIRECTORY_FOREIGN_ENTRY",
              `${payload.from} sent a directory entry of party ${entry.party}: a party publishes only its own users`,
            );
          }
          const agency = entry.agency ? this.agency(entry.agency) : undefined;
          if (entry.agency && agency?.party !== entry.party) {
            throw badRequest(
              "LIAISON_DIRECTORY_FOREIGN_ENTRY",
              `directory entry ${entry.userId} names agency ${entry.agency}, not an agency of ${entry.party}`,
            );
          }
          const existing = await findEntry(change.tx, entry.userId);
          if (existing && existing.origin === "local") {
            throw new LiaisonError(
              "LIAISON_DIRECTORY_FOREIGN_ENTRY",
              409,
              `directory entry ${entry.userId} belongs to this node and cannot be replaced by the peer`,
            );
          }
        }
        let applied = 0;
        for (const entry of payload.body.entries) {
          if (await upsertEntry(change.tx, entry, "foreign", change.at)) applied += 1;
        }
        change.audit({
          actor: `peer:${payload.from}`,
          action: "directory.receive",
          outcome: "success",
          details: { entries: payload.body.entries.length, applied },
        });
      },
    };
  }
}
