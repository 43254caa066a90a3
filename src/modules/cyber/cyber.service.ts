/**
 * Cyber module: owns the node's STIX 2.1 store and serves it over TAXII 2.1 (cyber.taxii.routes.ts). Collections
 * belong to an agency; every object is kept with all its versions, with a date_added unique and increasing per
 * collection (a collection's writers take turns on its clock), its TLP 2.0 label, and who may read it when it is
 * TLP:RED. Who may read or write a collection, and each object, is Cedar's decision (policies/access/cyber.cedar
 * and the TLP boundaries); lists filter in SQL and ask Cedar for every row they serve.
 */
import type { Clock } from "../../core/clock.ts";
import { LiaisonError } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { DomainAgency } from "../directory/directory.domain.ts";
import type { Principal } from "../identity/principal.ts";
import type { Authorizer } from "../policy/policy.types.ts";
import { COLLECTION_HIDDEN, taxiiErrors } from "./cyber.errors.ts";
import { type Outcome, prepareObjects } from "./cyber.ingest.ts";
import {
  type CollectionRow,
  type CyberObjectsTable,
  deleteVersions,
  ensureCollection,
  findCollection,
  findStatus,
  idsHeld,
  insertObjects,
  insertStatus,
  listCollections,
  lockCollectionClock,
  markResolved,
  type ObjectQuery,
  type ObjectRow,
  purgeExpiredStatus,
  queryObjects,
  recomputeVersionFlags,
  setCollectionClock,
  versionsHeld,
} from "./cyber.repository.ts";
import { timestampOf, uuidv5 } from "./cyber.stix.ts";
import { StixValidator } from "./cyber.validate.ts";

const STATUS_TTL_MS = 24 * 3600 * 1000;
/** Namespace of this node's own deterministic ids (collections seeded per agency). */
const LIAISON_CYBER_NAMESPACE = "5b0c8f3e-2a61-4f7e-9a57-3c1d2e4f6a80";

export interface CyberDeps {
  db: Db;
  clock: Clock;
  party: string;
  changes: ChangeRunner;
  access: Authorizer;
  /** This party's agencies; those serving the cyber lane get a collection of their own. */
  agencies: readonly DomainAgency[];
}

export type Reader = Pick<Principal, "id" | "username" | "agency" | "party" | "role"> & Partial<Principal>;

export interface CollectionView extends CollectionRow {
  canRead: boolean;
  canWrite: boolean;
}

export type ObjectFilter = Omit<ObjectQuery, "collectionId" | "reader">;

export class CyberService {
  readonly validator = new StixValidator();

  constructor(private readonly deps: CyberDeps) {}

  /** One collection per agency of this party that serves the cyber lane, created once. */
  async start(): Promise<void> {
    for (const agency of this.deps.agencies.filter((a) => a.party === this.deps.party && a.lanes.includes("cyber"))) {
      const row: CollectionRow = {
        id: uuidv5(LIAISON_CYBER_NAMESPACE, `${this.deps.party}/${agency.id}`),
        title: `${agency.acronym} indicators`,
        description: `STIX 2.1 objects held by ${agency.name}`,
        alias: agency.id,
        agency: agency.id,
        default_tlp: "TLP:AMBER",
      };
      const created = await ensureCollection(this.deps.db, row, this.deps.clock.now());
      if (!created) continue;
      await this.deps.changes.run(async (change) => {
        change.audit({
          actor: `node:${this.deps.party}`,
          action: "cyber.collection.create",
          subject: row.id,
          outcome: "success",
          details: { agency: agency.id },
        });
      });
    }
  }

  private resource(collection: CollectionRow) {
    return {
      type: "cyber-collection",
      id: collection.id,
      attributes: { party: this.deps.party, ...(collection.agency ? { agency: collection.agency } : {}) },
    };
  }

  private view(principal: Principal, collection: CollectionRow): CollectionView {
    const resource = this.resource(collection);
    return {
      ...collection,
      canRead: this.deps.access.permits(principal, "cyber.read", resource),
      canWrite: this.deps.access.permits(principal, "cyber.write", resource),
    };
  }

  /** The collections the principal may read or write (others are not shown: their existence is not its business). */
  async collections(principal: Principal): Promise<CollectionView[]> {
    return (await listCollections(this.deps.db))
      .map((c) => this.view(principal, c))
      .filter((c) => c.canRead || c.canWrite);
  }

  /** The collection of the principal's own agency (where its imports go unless it names another). */
  async collectionOfAgency(principal: Principal): Promise<string> {
    const own = (await listCollections(this.deps.db)).find((c) => principal.agency && c.agency === principal.agency);
    if (!own) {
      throw new LiaisonError(
        "LIAISON_CYBER_NO_COLLECTION",
        404,
        "the caller's agency holds no cyber collection: name one with ?collection=",
      );
    }
    return own.id;
  }

  /**
   * The collection, if the principal may do `need` on it. One it may neither read nor write is not found; one it
   * may see but not use this way is refused (403), and the refusal is audited by the authorization path.
   */
  async collection(principal: Principal, id: string, need?: "read" | "write"): Promise<CollectionView> {
    const found = await findCollection(this.deps.db, id);
    if (!found) throw taxiiErrors.collectionNotFound();
    const view = this.view(principal, found);
    if (!view.canRead && !view.canWrite) {
      await this.deps.access.authorize(principal, "cyber.read", this.resource(found), {
        hideExistence: COLLECTION_HIDDEN,
      });
    }
    if (need)
      await this.deps.access.authorize(principal, need === "read" ? "cyber.read" : "cyber.write", this.resource(found));
    return view;
  }

  /** Validate and store; answers the TAXII status (kept 24 h). Each object succeeds or fails on its own. */
  async add(principal: Principal, collectionId: string, raw: readonly unknown[], requestId?: string) {
    const collection = await this.collection(principal, collectionId, "write");
    const prepared = prepareObjects(this.validator, raw, collection, principal);
    const statusId = uuidv7();
    const requestUs = BigInt(this.deps.clock.now().getTime()) * 1000n;
    const successes: Outcome[] = [...prepared.mapped];
    const failures: Outcome[] = [...prepared.failures];
    await this.deps.changes.run(async (change) => {
      const tx = change.tx;
      const last = await lockCollectionClock(tx, collection.id);
      let next = BigInt(change.at.getTime()) * 1000n;
      if (next <= last) next = last + 1n;
      const ids = [...new Set(prepared.candidates.map((c) => c.object.id))];
      const held = new Map<string, Set<string>>();
      for (const row of await versionsHeld(tx, collection.id, ids)) {
        const versions = held.get(row.stix_id) ?? new Set<string>();
        versions.add(row.version_us);
        held.set(row.stix_id, versions);
      }
      const heldBefore = new Set(held.keys());
      const rows: CyberObjectsTable[] = [];
      for (const candidate of prepared.candidates) {
        const id = candidate.object.id;
        const versions = held.get(id) ?? new Set<string>();
        // An SCO has one version (its id is its content); a version already held is not stored twice.
        const duplicate =
          candidate.versionUs === undefined ? versions.size > 0 : versions.has(candidate.versionUs.toString());
        if (duplicate) {
          successes.push({ id, version: candidate.version, message: "already held" });
          continue;
        }
        const dateAdded = next;
        next += 1n;
        const versionUs = candidate.versionUs ?? dateAdded;
        versions.add(versionUs.toString());
        held.set(id, versions);
        rows.push({
          collection_id: collection.id,
          stix_id: id,
          version_us: versionUs.toString(),
          version: candidate.version ?? timestampOf(dateAdded),
          date_added_us: dateAdded.toString(),
          type: candidate.object.type,
          spec_version: typeof candidate.object.spec_version === "string" ? candidate.object.spec_version : "2.1",
          object: candidate.object,
          tlp: candidate.tlp ?? null,
          recipients: candidate.recipients,
          agency: candidate.agency,
          unresolved_refs: candidate.refs,
          is_first: false,
          is_latest: false,
          added_by: principal.id,
        });
        successes.push({ id, version: candidate.version ?? timestampOf(dateAdded) });
      }
      // Flags: for an id new to the collection they follow from this batch; otherwise they are recomputed.
      const extremes = new Map<string, { first: bigint; last: bigint }>();
      for (const row of rows) {
        const v = BigInt(row.version_us);
        const e = extremes.get(row.stix_id);
        extremes.set(
          row.stix_id,
          e ? { first: v < e.first ? v : e.first, last: v > e.last ? v : e.last } : { first: v, last: v },
        );
      }
      for (const row of rows) {
        const e = extremes.get(row.stix_id) as { first: bigint; last: bigint };
        row.is_first = BigInt(row.version_us) === e.first;
        row.is_latest = BigInt(row.version_us) === e.last;
      }
      // References resolve within the batch, or to what the collection holds; the rest are flagged.
      const inBatch = new Set(rows.map((r) => r.stix_id));
      const outside = [
        ...new Set(rows.flatMap((r) => r.unresolved_refs.filter((ref) => !inBatch.has(ref) && !heldBefore.has(ref)))),
      ];
      const found = await idsHeld(tx, collection.id, outside);
      for (const row of rows)
        row.unresolved_refs = row.unresolved_refs.filter(
          (ref) => !inBatch.has(ref) && !heldBefore.has(ref) && !found.has(ref),
        );
      await insertObjects(tx, rows);
      await recomputeVersionFlags(
        tx,
        collection.id,
        [...new Set(rows.map((r) => r.stix_id))].filter((id) => heldBefore.has(id)),
      );
      await markResolved(
        tx,
        collection.id,
        [...inBatch].filter((id) => !heldBefore.has(id)),
      );
      if (rows.length > 0) await setCollectionClock(tx, collection.id, next - 1n);
      await purgeExpiredStatus(tx, change.at);
      await insertStatus(tx, {
        id: statusId,
        collection_id: collection.id,
        principal: principal.id,
        request_us: requestUs.toString(),
        total_count: raw.length,
        successes,
        failures,
        expires_at: new Date(change.at.getTime() + STATUS_TTL_MS),
      });
      change.audit({
        actor: principal.id,
        action: "cyber.objects.add",
        subject: collection.id,
        outcome: failures.length === 0 ? "success" : "partial",
        requestId,
        details: { status: statusId, stored: rows.length, succeeded: successes.length, failed: failures.length },
      });
    });
    return statusView({ id: statusId, request_us: requestUs.toString(), total_count: raw.length, successes, failures });
  }

  /** A page of objects (or their manifest) the principal may read, in date_added order. */
  async page(principal: Principal, collectionId: string, filter: ObjectFilter, columns: "full" | "manifest" = "full") {
    const collection = await this.collection(principal, collectionId, "read");
    const names = [
      principal.id,
      ...(principal.username && principal.username !== principal.id ? [principal.username] : []),
    ];
    const rows = await queryObjects(
      this.deps.db,
      { ...filter, collectionId: collection.id, reader: { names, agency: principal.agency ?? null } },
      columns,
    );
    const more = rows.length > filter.limit;
    const page = rows.slice(0, filter.limit);
    // The SQL above is the fast form of the TLP boundaries; Cedar decides each row served all the same.
    const served = page.filter((row) => this.deps.access.permits(principal, "cyber.read", this.objectResource(row)));
    const lastPosition = page.at(-1)?.date_added_us;
    return { rows: served, more, lastPosition: lastPosition === undefined ? undefined : BigInt(lastPosition) };
  }

  private objectResource(row: Pick<ObjectRow, "stix_id" | "tlp" | "recipients" | "agency">) {
    return {
      type: "cyber-object",
      id: row.stix_id,
      attributes: {
        party: this.deps.party,
        ...(row.agency ? { agency: row.agency } : {}),
        ...(row.tlp ? { tlp: row.tlp } : {}),
        recipients: row.recipients,
      },
    };
  }

  /** Whether any version of the object exists that the principal may read (else the object is not found). */
  async exists(principal: Principal, collectionId: string, stixId: string): Promise<boolean> {
    const { rows } = await this.page(principal, collectionId, {
      ids: [stixId],
      versions: { first: false, last: false, all: true, exact: [] },
      limit: 1,
    });
    return rows.length > 0;
  }

  async delete(
    principal: Principal,
    collectionId: string,
    stixId: string,
    versions: ObjectQuery["versions"],
    specVersions: readonly string[] | undefined,
    requestId?: string,
  ): Promise<number> {
    const collection = await this.collection(principal, collectionId, "write");
    if (!(await this.exists(principal, collection.id, stixId))) throw taxiiErrors.objectNotFound();
    const deleted = await this.deps.changes.run(async (change) => {
      const count = await deleteVersions(change.tx, collection.id, stixId, versions, specVersions, (row) =>
        this.deps.access.permits(principal, "cyber.read", this.objectResource({ ...row, stix_id: stixId })),
      );
      change.audit({
        actor: principal.id,
        action: "cyber.objects.delete",
        subject: stixId,
        outcome: "success",
        requestId,
        details: { collection: collection.id, versions: count },
      });
      return count;
    });
    if (deleted === 0) throw taxiiErrors.objectNotFound();
    return deleted;
  }

  /** A status resource, to the principal who made the request only. */
  async status(principal: Principal, id: string) {
    const found = await findStatus(this.deps.db, id, this.deps.clock.now());
    if (!found || found.principal !== principal.id) throw taxiiErrors.statusNotFound();
    return statusView(found);
  }
}

function statusView(status: {
  id: string;
  request_us: string;
  total_count: number;
  successes: unknown;
  failures: unknown;
}) {
  const successes = status.successes as Outcome[];
  const failures = status.failures as Outcome[];
  const detail = (o: Outcome) => ({
    id: o.id ?? "",
    version: o.version ?? "",
    ...(o.message ? { message: o.message } : {}),
  });
  return {
    id: status.id,
    status: "complete" as const,
    request_timestamp: timestampOf(BigInt(status.request_us)),
    total_count: status.total_count,
    success_count: successes.length,
    successes: successes.map(detail),
    failure_count: failures.length,
    failures: failures.map(detail),
    pending_count: 0,
    pendings: [],
  };
}
