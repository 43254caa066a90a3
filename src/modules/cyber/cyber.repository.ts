import { sql } from "kysely";
import type { DbOrTx } from "../../db/database.ts";

export interface CyberCollectionsTable {
  id: string;
  title: string;
  description: string | null;
  alias: string | null;
  agency: string | null;
  default_tlp: string;
  last_added_us: string;
  created_at: Date;
}

export interface CyberObjectsTable {
  collection_id: string;
  stix_id: string;
  version_us: string;
  version: string;
  date_added_us: string;
  type: string;
  spec_version: string;
  object: unknown;
  tlp: string | null;
  recipients: string[];
  agency: string | null;
  unresolved_refs: string[];
  is_first: boolean;
  is_latest: boolean;
  added_by: string;
}

export interface CyberStatusTable {
  id: string;
  collection_id: string;
  principal: string;
  request_us: string;
  total_count: number;
  successes: unknown;
  failures: unknown;
  expires_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    cyber_collections: CyberCollectionsTable;
    cyber_objects: CyberObjectsTable;
    cyber_status: CyberStatusTable;
  }
}

export type CollectionRow = Omit<CyberCollectionsTable, "last_added_us" | "created_at">;

/** Created once (start-up seeds a collection per cyber agency); an existing one is left as it is. */
export async function ensureCollection(db: DbOrTx, row: CollectionRow, at: Date): Promise<boolean> {
  const inserted = await db
    .insertInto("cyber_collections")
    .values({ ...row, last_added_us: "0", created_at: at })
    .onConflict((oc) => oc.doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function listCollections(db: DbOrTx): Promise<CollectionRow[]> {
  return db
    .selectFrom("cyber_collections")
    .select(["id", "title", "description", "alias", "agency", "default_tlp"])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

export async function findCollection(db: DbOrTx, id: string): Promise<CollectionRow | undefined> {
  return db
    .selectFrom("cyber_collections")
    .select(["id", "title", "description", "alias", "agency", "default_tlp"])
    .where("id", "=", id)
    .executeTakeFirst();
}

/**
 * The collection's date_added clock, locked until the transaction ends: writers of one collection take turns, so
 * date_added is unique and increasing per collection, and a reader never sees a later date_added commit before an
 * earlier one (which would make a client paging by added_after skip it).
 */
export async function lockCollectionClock(db: DbOrTx, id: string): Promise<bigint> {
  const row = await sql<{ last: string }>`
    SELECT last_added_us::text AS last FROM cyber_collections WHERE id = ${id} FOR UPDATE`.execute(db);
  return BigInt(row.rows[0]?.last ?? "0");
}

export async function setCollectionClock(db: DbOrTx, id: string, micros: bigint): Promise<void> {
  await sql`UPDATE cyber_collections SET last_added_us = ${micros.toString()}::bigint WHERE id = ${id}`.execute(db);
}

/** Versions already held of these ids (duplicates are not stored twice; later versions change the flags). */
export async function versionsHeld(db: DbOrTx, collectionId: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const result = await sql<{ stix_id: string; version_us: string }>`
    SELECT stix_id, version_us::text AS version_us FROM cyber_objects
    WHERE collection_id = ${collectionId} AND stix_id = ANY(${ids}::text[])`.execute(db);
  return result.rows;
}

/** Which of these ids the collection holds (in any version). */
export async function idsHeld(db: DbOrTx, collectionId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const result = await sql<{ stix_id: string }>`
    SELECT DISTINCT stix_id FROM cyber_objects
    WHERE collection_id = ${collectionId} AND stix_id = ANY(${ids}::text[])`.execute(db);
  return new Set(result.rows.map((r) => r.stix_id));
}

const INSERT_CHUNK = 2000;

/** Rows in statements of a few thousand, one array per column (unnest). */
export async function insertObjects(db: DbOrTx, rows: readonly CyberObjectsTable[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    const column = <T>(pick: (row: CyberObjectsTable) => T) => chunk.map(pick);
    await sql`
      INSERT INTO cyber_objects (collection_id, stix_id, version_us, version, date_added_us, type, spec_version,
        object, tlp, recipients, agency, unresolved_refs, is_first, is_latest, added_by)
      SELECT collection_id, stix_id, version_us, version, date_added_us, type, spec_version, object::jsonb, tlp,
        ARRAY(SELECT jsonb_array_elements_text(recipients::jsonb)), agency,
        ARRAY(SELECT jsonb_array_elements_text(unresolved::jsonb)), is_first, is_latest, added_by
      FROM unnest(
        ${column((r) => r.collection_id)}::uuid[], ${column((r) => r.stix_id)}::text[],
        ${column((r) => r.version_us)}::bigint[], ${column((r) => r.version)}::text[],
        ${column((r) => r.date_added_us)}::bigint[], ${column((r) => r.type)}::text[],
        ${column((r) => r.spec_version)}::text[], ${column((r) => JSON.stringify(r.object))}::text[],
        ${column((r) => r.tlp)}::text[], ${column((r) => JSON.stringify(r.recipients))}::text[],
        ${column((r) => r.agency)}::text[], ${column((r) => JSON.stringify(r.unresolved_refs))}::text[],
        ${column((r) => r.is_first)}::boolean[], ${column((r) => r.is_latest)}::boolean[],
        ${column((r) => r.added_by)}::text[]
      ) AS u(collection_id, stix_id, version_us, version, date_added_us, type, spec_version, object, tlp,
        recipients, agency, unresolved, is_first, is_latest, added_by)`.execute(db);
  }
}

/** first/last flags of these ids recomputed from the versions held (after a later version or a delete). */
export async function recomputeVersionFlags(db: DbOrTx, collectionId: string, ids: readonly string[]) {
  if (ids.length === 0) return;
  await sql`
    UPDATE cyber_objects o SET is_first = (o.version_us = m.first), is_latest = (o.version_us = m.last)
    FROM (SELECT stix_id, min(version_us) AS first, max(version_us) AS last FROM cyber_objects
          WHERE collection_id = ${collectionId} AND stix_id = ANY(${ids}::text[]) GROUP BY stix_id) m
    WHERE o.collection_id = ${collectionId} AND o.stix_id = m.stix_id`.execute(db);
}

/** Objects that were waiting for these ids no longer count them as unresolved. */
export async function markResolved(db: DbOrTx, collectionId: string, ids: readonly string[]) {
  if (ids.length === 0) return;
  await sql`
    UPDATE cyber_objects SET unresolved_refs =
      ARRAY(SELECT r FROM unnest(unresolved_refs) AS r WHERE r <> ALL(${ids}::text[]))
    WHERE collection_id = ${collectionId} AND unresolved_refs && ${ids}::text[]`.execute(db);
}

export interface ObjectQuery {
  collectionId: string;
  addedAfterUs?: bigint | undefined;
  /** Exclusive position of the previous page (from `next`). */
  afterUs?: bigint | undefined;
  ids?: readonly string[] | undefined;
  types?: readonly string[] | undefined;
  specVersions?: readonly string[] | undefined;
  /** first / last / all / exact versions (microseconds), any of which matches. */
  versions: { first: boolean; last: boolean; all: boolean; exact: bigint[] };
  /** Who reads: TLP:RED rows need one of the names among their recipients, AMBER+STRICT the same agency. */
  reader: { names: readonly string[]; agency: string | null };
  limit: number;
}

export interface ObjectRow {
  stix_id: string;
  version: string;
  date_added_us: string;
  type: string;
  spec_version: string;
  object: unknown;
  tlp: string | null;
  recipients: string[];
  agency: string | null;
  unresolved_refs: string[];
}

/**
 * One page in date_added order, `limit + 1` rows so the caller knows whether there is more. The TLP conditions
 * here are the SQL form of the boundaries in policies/access/boundaries.cedar; the service still asks Cedar for
 * every row, so a row this lets through and Cedar refuses is not served.
 */
export async function queryObjects(db: DbOrTx, q: ObjectQuery, columns: "full" | "manifest" = "full") {
  const conditions = [sql`collection_id = ${q.collectionId}`];
  const after =
    q.afterUs !== undefined && (q.addedAfterUs === undefined || q.afterUs > q.addedAfterUs)
      ? q.afterUs
      : q.addedAfterUs;
  if (after !== undefined) conditions.push(sql`date_added_us > ${after.toString()}::bigint`);
  if (q.ids) conditions.push(sql`stix_id = ANY(${q.ids}::text[])`);
  if (q.types) conditions.push(sql`type = ANY(${q.types}::text[])`);
  if (q.specVersions) conditions.push(sql`spec_version = ANY(${q.specVersions}::text[])`);
  if (!q.versions.all) {
    const any = [];
    if (q.versions.first) any.push(sql`is_first`);
    if (q.versions.last) any.push(sql`is_latest`);
    if (q.versions.exact.length > 0) any.push(sql`version_us = ANY(${q.versions.exact.map(String)}::bigint[])`);
    conditions.push(any.length > 0 ? sql`(${sql.join(any, sql` OR `)})` : sql`false`);
  }
  conditions.push(sql`(tlp IS DISTINCT FROM 'TLP:RED' OR recipients && ${q.reader.names}::text[])`);
  conditions.push(
    q.reader.agency
      ? sql`(tlp IS DISTINCT FROM 'TLP:AMBER+STRICT' OR agency = ${q.reader.agency})`
      : sql`tlp IS DISTINCT FROM 'TLP:AMBER+STRICT'`,
  );
  const select =
    columns === "full"
      ? sql`stix_id, version, date_added_us::text AS date_added_us, type, spec_version, object, tlp, recipients, agency, unresolved_refs`
      : sql`stix_id, version, date_added_us::text AS date_added_us, type, spec_version, NULL AS object, tlp, recipients, agency, unresolved_refs`;
  const result = await sql<ObjectRow>`
    SELECT ${select} FROM cyber_objects WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY date_added_us LIMIT ${q.limit + 1}`.execute(db);
  return result.rows.map((row) => ({
    ...row,
    object: typeof row.object === "string" ? JSON.parse(row.object) : row.object,
  }));
}

export async function deleteVersions(
  db: DbOrTx,
  collectionId: string,
  stixId: string,
  versions: ObjectQuery["versions"],
  specVersions: readonly string[] | undefined,
  deletable: (row: { version: string; tlp: string | null; recipients: string[]; agency: string | null }) => boolean,
): Promise<number> {
  const held = await sql<{
    version_us: string;
    version: string;
    tlp: string | null;
    recipients: string[];
    agency: string | null;
    is_first: boolean;
    is_latest: boolean;
    spec_version: string;
  }>`
    SELECT version_us::text AS version_us, version, tlp, recipients, agency, is_first, is_latest, spec_version
    FROM cyber_objects WHERE collection_id = ${collectionId} AND stix_id = ${stixId} FOR UPDATE`.execute(db);
  const doomed = held.rows.filter(
    (row) =>
      (!specVersions || specVersions.includes(row.spec_version)) &&
      (versions.all ||
        (versions.first && row.is_first) ||
        (versions.last && row.is_latest) ||
        versions.exact.includes(BigInt(row.version_us))) &&
      deletable(row),
  );
  if (doomed.length === 0) return 0;
  await sql`DELETE FROM cyber_objects WHERE collection_id = ${collectionId} AND stix_id = ${stixId}
    AND version_us = ANY(${doomed.map((r) => r.version_us)}::bigint[])`.execute(db);
  await recomputeVersionFlags(db, collectionId, [stixId]);
  return doomed.length;
}

export async function insertStatus(db: DbOrTx, row: CyberStatusTable): Promise<void> {
  await db
    .insertInto("cyber_status")
    .values({ ...row, successes: JSON.stringify(row.successes), failures: JSON.stringify(row.failures) })
    .execute();
}

export async function findStatus(db: DbOrTx, id: string, now: Date) {
  const row = await sql<{
    id: string;
    collection_id: string;
    principal: string;
    request_us: string;
    total_count: number;
    successes: unknown;
    failures: unknown;
  }>`SELECT id, collection_id, principal, request_us::text AS request_us, total_count, successes, failures
     FROM cyber_status WHERE id = ${id} AND expires_at > ${now.toISOString()}::timestamptz`.execute(db);
  const found = row.rows[0];
  if (!found) return undefined;
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
  return { ...found, successes: json(found.successes), failures: json(found.failures) };
}

export async function purgeExpiredStatus(db: DbOrTx, now: Date): Promise<void> {
  await db.deleteFrom("cyber_status").where("expires_at", "<=", now).execute();
}
