import type { JWK } from "jose";
import { WITNESSING_ACTIONS } from "./audit.schema.ts";

/**
 * What `verifyLog` takes from outside the node it audits: the witnesses' keys and the witnesses' own records of
 * what they countersigned. A node whose log was rewritten can also lie about its peer's keys and about which of
 * its heads were countersigned; these come from the witness (or a descriptor file obtained from it out of band),
 * and the report says where each came from.
 */

/** A witness's signing keys and where the verifier got them. */
export interface PeerKeys {
  party: string;
  keys: JWK[];
  /** Said in the report: a URL, a file, or the audited node itself. */
  source: string;
  /** False when the keys come from the node being audited (`/api/v1/audit/keys` or an export's keys.json). */
  independent: boolean;
}

export interface WitnessedHead {
  treeSize: number;
  rootHash: string;
  /** The countersignature the witness returned for it. */
  countersigned: string;
}

/** A witness's own record of the origin's heads it countersigned, read from the witness, never from the origin. */
export interface WitnessRecordSource {
  party: string;
  /** Said in the report. */
  source: string;
  /** Every head of `origin` the witness countersigned, a page at a time. */
  heads(origin: string): AsyncIterable<WitnessedHead[]>;
}

/** The node's view of its peers' keys, with those from an independent source in place of the node's own. */
export function resolvePeerKeys(
  served: { party: string; keys: JWK[] }[],
  independent: readonly PeerKeys[],
  servedSource: string,
): PeerKeys[] {
  const given = new Set(independent.map((p) => p.party));
  return [
    ...independent,
    ...served
      .filter((p) => !given.has(p.party))
      .map((p) => ({ party: p.party, keys: p.keys, source: servedSource, independent: false })),
  ];
}

export const DEFAULT_COUNTERSIGN_AGE_MS = 3_600_000;

/** How far one witness's countersignatures reach, and the oldest leaf beyond them that needed one. */
export interface Coverage {
  /** null: the node has no witness at all. */
  witness: string | null;
  countersignedSize: number;
  oldestPending: { index: number; at: string } | null;
}

const decoder = new TextDecoder();
const witnessing = new Set(WITNESSING_ACTIONS);

/**
 * Finds, during the scan, the oldest leaf each witness's newest countersignature leaves uncovered. Witnessing's
 * own bookkeeping is skipped: no head is signed for it alone (two idle nodes would answer each other for ever),
 * so it waits for the next event of substance. Every other event is in a head sent to the witnesses within the
 * node's head interval (a minute by default), so one still uncovered after the age means a head that old was
 * never countersigned. Only leaves from the smallest countersigned size up to the first of substance are parsed.
 */
export class CoverageTracker {
  readonly entries: Coverage[];
  private from: number;

  constructor(covered: { witness: string | null; size: number }[]) {
    this.entries = covered.map((c) => ({ witness: c.witness, countersignedSize: c.size, oldestPending: null }));
    this.from = this.nextFrom();
  }

  private nextFrom(): number {
    const open = this.entries.filter((e) => e.oldestPending === null).map((e) => e.countersignedSize);
    return open.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...open);
  }

  /** Called for each leaf in index order, after it verified. */
  observe(index: number, data: Uint8Array): void {
    if (index < this.from) return;
    let leaf: { action?: unknown; at?: unknown };
    try {
      leaf = JSON.parse(decoder.decode(data));
    } catch {
      return; // its bytes are covered by the root; the index scan already named it if it is not an object
    }
    if (typeof leaf.action === "string" && witnessing.has(leaf.action)) return;
    for (const e of this.entries) {
      if (e.oldestPending === null && index >= e.countersignedSize) {
        e.oldestPending = { index, at: typeof leaf.at === "string" ? leaf.at : "" };
      }
    }
    this.from = this.nextFrom();
  }

  /** What is late at `now`: one line per witness whose countersignatures stopped more than `ageMs` ago. */
  problems(now: Date, ageMs: number): string[] {
    const problems: string[] = [];
    for (const e of this.entries) {
      if (!e.oldestPending) continue;
      const at = Date.parse(e.oldestPending.at);
      const waited = Number.isNaN(at) ? Number.POSITIVE_INFINITY : now.getTime() - at;
      if (waited <= ageMs) continue;
      const when = `leaf ${e.oldestPending.index}, recorded ${e.oldestPending.at || "at an unreadable time"}`;
      const limit = `more than ${formatAge(ageMs)} before ${now.toISOString()}`;
      problems.push(
        e.witness === null
          ? `no witness countersigned this log (the node shows no peer): ${when}, ${limit}`
          : `no countersignature from ${e.witness} covers ${when}, ${limit}; ${e.witness}'s newest covers ${e.countersignedSize} leaves`,
      );
    }
    return problems;
  }
}

export function formatAge(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/** `90s`, `30m`, `1h`, `2d` or plain seconds, as milliseconds; undefined when it is none of these. */
export function parseAge(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "s") as "s"];
  const ms = Number(m[1]) * unit;
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

/** A witness's record as read, or why it could not be. */
export interface WitnessRecord {
  party: string;
  source: string;
  bySize: Map<number, WitnessedHead>;
  latest: WitnessedHead | null;
  error?: string;
}

export async function readWitnessRecord(source: WitnessRecordSource, origin: string): Promise<WitnessRecord> {
  const record: WitnessRecord = { party: source.party, source: source.source, bySize: new Map(), latest: null };
  try {
    for await (const page of source.heads(origin)) {
      for (const head of page) {
        record.bySize.set(head.treeSize, head);
        if (!record.latest || head.treeSize > record.latest.treeSize) record.latest = head;
      }
    }
  } catch (error) {
    record.error = (error as Error).message;
  }
  return record;
}

/**
 * The node's claims against the witness's record: a countersignature the node shows must be one the witness
 * recorded, with the same root; every head the witness recorded must be within the node's head (else the log was
 * cut back or replaced), and its root becomes a checkpoint of the scan.
 */
export function compareWithRecord(
  record: WitnessRecord,
  claims: readonly { treeSize: number; rootHash: string }[],
  headSize: number,
): { problems: string[]; checkpoints: { size: number; rootHash: string }[]; beyondHead: boolean } {
  const problems: string[] = [];
  const checkpoints: { size: number; rootHash: string }[] = [];
  let beyondHead = false;
  if (record.error !== undefined) {
    problems.push(
      `cannot read ${record.party}'s own record of the heads it countersigned (${record.source}): ${record.error}`,
    );
    return { problems, checkpoints, beyondHead };
  }
  for (const claim of claims) {
    const seen = record.bySize.get(claim.treeSize);
    if (!seen) {
      problems.push(
        `the node shows a countersignature by ${record.party} of size ${claim.treeSize}, which ${record.party} has no record of`,
      );
    } else if (seen.rootHash !== claim.rootHash) {
      problems.push(
        `${record.party} recorded another root for size ${claim.treeSize} than the countersignature the node shows`,
      );
    }
  }
  for (const head of record.bySize.values()) {
    if (head.treeSize > headSize) beyondHead = true;
    else checkpoints.push({ size: head.treeSize, rootHash: head.rootHash });
  }
  if (beyondHead) {
    problems.push(
      `${record.party} countersigned size ${record.latest?.treeSize}, beyond the node's head of size ${headSize}: the log was cut back or replaced`,
    );
  }
  return { problems, checkpoints, beyondHead };
}
