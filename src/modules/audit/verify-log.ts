import type { JWK } from "jose";
import type { Hash } from "../../core/merkle.ts";
import { CountersignaturePayload, TreeHeadPayload } from "./audit.schema.ts";
import { COUNTERSIGNATURE_TYP, fromBase64, TREE_HEAD_TYP } from "./tree-head.ts";
import { verifyingKeys, verifySignedAt } from "./verify-keys.ts";
import { locateBadLeaf } from "./verify-locate.ts";
import { leafProblem, ROOT_EVERY, RootBuilder } from "./verify-root.ts";
import {
  type Coverage,
  CoverageTracker,
  compareWithRecord,
  DEFAULT_COUNTERSIGN_AGE_MS,
  type PeerKeys,
  readWitnessRecord,
  resolvePeerKeys,
  type WitnessRecordSource,
} from "./verify-witness.ts";

/**
 * Independent verification of a node's audit log, online (through the API) or offline (an export): recompute
 * every leaf hash and the root from the leaf bytes, streaming pages so memory stays bounded, and check the
 * root against the signed head, the witnesses' countersignatures and a head saved by an earlier run.
 */

export interface SourceLeaf {
  index: number;
  /** The exact leaf bytes. */
  data: Uint8Array;
  /** The hash the node recorded when it appended the leaf, if the source has it. */
  leafHash?: Uint8Array | null | undefined;
}

export interface LogKeys {
  party: string;
  keys: JWK[];
  peers: { party: string; keys: JWK[] }[];
}

export interface LogSource {
  treeHead(): Promise<{ signed: string; witnesses: { party: string; signed: string }[] }>;
  keys(): Promise<LogKeys>;
  /** Where keys() got the peers' keys: the audited node (its API or its export). */
  keysSource?: string;
  /** Leaves 0 .. treeSize-1 in order, a batch at a time (a missing leaf simply is not there). */
  pages(treeSize: number): AsyncIterable<SourceLeaf[]>;
  /** Online only: proofs from the node, used to name the first bad leaf when only a root disagrees. */
  proofs?: {
    consistency(from: number, to: number): Promise<string[]>;
    inclusion(index: number, treeSize: number): Promise<string[]>;
    leaves(start: number, end: number): Promise<SourceLeaf[]>;
  };
}

export interface SavedHead {
  party: string;
  treeSize: number;
  rootHash: string;
  signed?: string;
}

export interface VerifyReport {
  ok: boolean;
  party: string;
  treeSize: number;
  rootHash: string;
  /** The first leaf that does not verify, when one could be named. */
  firstBadIndex: number | null;
  problems: string[];
  witnesses: { party: string; treeSize: number; ok: boolean }[];
  /** Where each witness's keys came from; `independent` is false when from the audited node itself. */
  peerKeys: { party: string; source: string; independent: boolean }[];
  /** Witnesses' own records of what they countersigned, as compared. */
  witnessRecords: { party: string; source: string; heads: number; latest: number | null }[];
  /** How far each witness's countersignatures reach and the oldest leaf beyond them that needed one. */
  coverage: Coverage[];
  /** The verified head, to save for the next run's consistency check. */
  head: SavedHead | null;
}

export interface VerifyOptions {
  saved?: SavedHead | undefined;
  onProgress?: (done: number, total: number) => void;
  /** Witnesses' keys from outside the audited node (--peer, --peer-descriptor): they replace the node's copy. */
  peers?: readonly PeerKeys[];
  /** Witnesses' own records, read from the witnesses (--peer). */
  witnessRecords?: readonly WitnessRecordSource[];
  /** An event older than this that no countersignature covers fails the check (default 1 hour). */
  countersignAgeMs?: number;
  /** The time that age is measured to: now, or when an export was taken. */
  now?: Date;
}

interface Checkpoint {
  root: Hash;
  label: string;
}

/**
 * Check a log: its leaves against the signed head, the witnesses' countersignatures (with keys from where the
 * options say), the witnesses' own records, a head saved by an earlier run, and that nothing older than the
 * countersignature age went uncountersigned.
 */
export async function verifyLog(source: LogSource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: string[] = [];
  const keys = await source.keys();
  const peerKeys = resolvePeerKeys(keys.peers, options.peers ?? [], source.keysSource ?? "the audited node");
  // The witnesses' records before the node's head: whatever a witness countersigned before this read is within
  // the head the node gives next, so a record beyond that head means the log was cut back, not a race.
  const records = await Promise.all((options.witnessRecords ?? []).map((r) => readWitnessRecord(r, keys.party)));
  const signedHead = await source.treeHead();
  const report: VerifyReport = {
    ok: false,
    party: keys.party,
    treeSize: 0,
    rootHash: "",
    firstBadIndex: null,
    problems,
    witnesses: [],
    peerKeys: peerKeys.map(({ party, source, independent }) => ({ party, source, independent })),
    witnessRecords: records.map((r) => ({
      party: r.party,
      source: r.source,
      heads: r.bySize.size,
      latest: r.latest?.treeSize ?? null,
    })),
    coverage: [],
    head: null,
  };
  let head: TreeHeadPayload;
  try {
    head = await verifySignedAt(
      signedHead.signed,
      TREE_HEAD_TYP,
      await verifyingKeys(keys.keys),
      TreeHeadPayload,
      (h) => h.timestamp,
    );
  } catch (error) {
    problems.push(`the tree head does not verify with ${keys.party}'s keys: ${(error as Error).message}`);
    return report;
  }
  Object.assign(report, { treeSize: head.treeSize, rootHash: head.rootHash });
  const checkpoints = new Map<number, Checkpoint[]>();
  const addCheckpoint = (size: number, root: string, label: string) =>
    checkpoints.set(size, [...(checkpoints.get(size) ?? []), { root: fromBase64(root), label }]);
  addCheckpoint(head.treeSize, head.rootHash, "the signed tree head");

  const claims = new Map<string, { treeSize: number; rootHash: string }[]>();
  const keysOf = async (party: string) => verifyingKeys(peerKeys.find((p) => p.party === party)?.keys ?? []);
  const verifyCountersignature = async (party: string, signed: string) =>
    verifySignedAt(signed, COUNTERSIGNATURE_TYP, await keysOf(party), CountersignaturePayload, (c) =>
      // As the federation judges it (peers.validity.ts callers): the later of the two times the witness states.
      new Date(c.witnessedAt) > new Date(c.timestamp) ? c.witnessedAt : c.timestamp,
    );
  for (const w of signedHead.witnesses) {
    try {
      const cs = await verifyCountersignature(w.party, w.signed);
      if (cs.origin !== keys.party || cs.witness !== w.party) throw new Error("it names another origin or witness");
      if (cs.treeSize > head.treeSize) throw new Error(`it is for size ${cs.treeSize}, beyond the head`);
      addCheckpoint(cs.treeSize, cs.rootHash, `${w.party}'s countersignature`);
      claims.set(w.party, [...(claims.get(w.party) ?? []), cs]);
      report.witnesses.push({ party: w.party, treeSize: cs.treeSize, ok: true });
    } catch (error) {
      problems.push(`${w.party}'s countersignature does not verify: ${(error as Error).message}`);
      report.witnesses.push({ party: w.party, treeSize: -1, ok: false });
    }
  }
  const covered = new Map<string, number>();
  for (const [party, list] of claims) covered.set(party, Math.max(...list.map((c) => c.treeSize)));
  for (const record of records) {
    const compared = compareWithRecord(record, claims.get(record.party) ?? [], head.treeSize);
    problems.push(...compared.problems);
    if (compared.beyondHead) report.firstBadIndex = head.treeSize;
    for (const c of compared.checkpoints) addCheckpoint(c.size, c.rootHash, `${record.party}'s own record`);
    const latest = record.latest;
    if (latest && !compared.beyondHead) {
      // The newest entry must be the witness's signature over what it says, with the keys the report names.
      try {
        const cs = await verifyCountersignature(record.party, latest.countersigned);
        if (cs.origin !== keys.party || cs.treeSize !== latest.treeSize || cs.rootHash !== latest.rootHash) {
          throw new Error("it does not match the record");
        }
        covered.set(record.party, Math.max(covered.get(record.party) ?? 0, latest.treeSize));
      } catch (error) {
        problems.push(
          `${record.party}'s record of size ${latest.treeSize} does not verify: ${(error as Error).message}`,
        );
      }
    }
  }
  const witnessParties = [...new Set([...peerKeys.map((p) => p.party), ...covered.keys()])];
  const coverage = new CoverageTracker(
    witnessParties.length === 0
      ? [{ witness: null, size: 0 }]
      : witnessParties.map((party) => ({ witness: party, size: covered.get(party) ?? 0 })),
  );
  report.coverage = coverage.entries;
  const saved = options.saved;
  if (saved && saved.party === keys.party) {
    if (saved.treeSize > head.treeSize) {
      problems.push(`the log shrank: an earlier run saw ${saved.treeSize} leaves, the head now says ${head.treeSize}`);
      report.firstBadIndex = head.treeSize;
    } else {
      addCheckpoint(saved.treeSize, saved.rootHash, "the head saved by an earlier run");
    }
  }

  // Roots every ROOT_EVERY leaves, so a disagreeing root can be narrowed to one stretch with the node's proofs.
  const builder = new RootBuilder();
  const pageRoots: { size: number; root: Hash }[] = [{ size: 0, root: builder.root() }];
  const rootMismatches: { size: number; label: string }[] = [];
  const checkRoot = () => {
    for (const c of checkpoints.get(builder.size) ?? []) {
      if (!Buffer.from(c.root).equals(builder.root())) rootMismatches.push({ size: builder.size, label: c.label });
    }
  };
  checkRoot();
  scan: for await (const page of source.pages(head.treeSize)) {
    for (const leaf of page) {
      const index = builder.size;
      const why = leafProblem(leaf, index, builder);
      if (why !== undefined) {
        report.firstBadIndex = index;
        problems.push(`leaf ${index}: ${why}`);
        break scan;
      }
      coverage.observe(index, leaf.data);
      if (checkpoints.has(builder.size)) checkRoot();
      if (rootMismatches.length > 0) break scan;
      if (builder.size % ROOT_EVERY === 0) pageRoots.push({ size: builder.size, root: builder.root() });
    }
    options.onProgress?.(builder.size, head.treeSize);
  }
  if (report.firstBadIndex === null && builder.size < head.treeSize && rootMismatches.length === 0) {
    report.firstBadIndex = builder.size;
    problems.push(`leaf ${builder.size}: missing (the log ends at ${builder.size} of ${head.treeSize})`);
  }
  const mismatch = rootMismatches[0];
  if (mismatch && report.firstBadIndex === null) {
    const trusted = (checkpoints.get(mismatch.size) ?? []).find((c) => c.label === mismatch.label) as Checkpoint;
    problems.push(`the root of the first ${mismatch.size} leaves differs from ${mismatch.label}`);
    report.firstBadIndex = await locateBadLeaf(source, pageRoots, mismatch.size, trusted.root);
    if (report.firstBadIndex !== null) problems.push(`leaf ${report.firstBadIndex} is the first that does not verify`);
  }
  if (report.firstBadIndex === null) {
    problems.push(
      ...coverage.problems(options.now ?? new Date(), options.countersignAgeMs ?? DEFAULT_COUNTERSIGN_AGE_MS),
    );
  }
  report.ok = problems.length === 0;
  if (report.ok)
    report.head = { party: keys.party, treeSize: head.treeSize, rootHash: head.rootHash, signed: signedHead.signed };
  return report;
}
