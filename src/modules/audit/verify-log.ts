import { type CryptoKey, importJWK, type JWK } from "jose";
import { type Hash, leafHash, MerkleFrontier, verifyConsistency, verifyInclusion } from "../../core/merkle.ts";
import { CountersignaturePayload, TreeHeadPayload } from "./audit.schema.ts";
import { COUNTERSIGNATURE_TYP, fromBase64, TREE_HEAD_TYP, toBase64, verifySigned } from "./tree-head.ts";

/**
 * Independent verification of a node's audit log, online (through the API) or offline (an export): recompute
 * every leaf hash and the root from the leaf bytes, streaming pages so memory stays bounded, and check the
 * root against the signed head, the witnesses' countersignatures and a head saved by an earlier run.
 */

export interface SourceLeaf {
  index: number;
  /** base64 of the exact leaf bytes. */
  data: string;
  /** The hash the node recorded when it appended the leaf (base64), if the source has it. */
  leafHash?: string | null | undefined;
}

export interface LogKeys {
  party: string;
  keys: JWK[];
  peers: { party: string; keys: JWK[] }[];
}

export interface LogSource {
  treeHead(): Promise<{ signed: string; witnesses: { party: string; signed: string }[] }>;
  keys(): Promise<LogKeys>;
  /** Leaves 0 .. treeSize-1 in order, a page at a time (a missing leaf simply is not there). */
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
  /** The verified head, to save for the next run's consistency check. */
  head: SavedHead | null;
}

async function keyMap(jwks: JWK[]): Promise<Map<string, CryptoKey>> {
  const map = new Map<string, CryptoKey>();
  for (const jwk of jwks) {
    if (jwk.kid && jwk.crv === "Ed25519")
      map.set(jwk.kid, (await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")) as CryptoKey);
  }
  return map;
}

interface Checkpoint {
  root: Hash;
  label: string;
}

export async function verifyLog(
  source: LogSource,
  options: { saved?: SavedHead | undefined; onProgress?: (done: number, total: number) => void } = {},
): Promise<VerifyReport> {
  const problems: string[] = [];
  const keys = await source.keys();
  const signedHead = await source.treeHead();
  const report: VerifyReport = {
    ok: false,
    party: keys.party,
    treeSize: 0,
    rootHash: "",
    firstBadIndex: null,
    problems,
    witnesses: [],
    head: null,
  };
  let head: TreeHeadPayload;
  try {
    head = await verifySigned(signedHead.signed, TREE_HEAD_TYP, await keyMap(keys.keys), TreeHeadPayload);
  } catch (error) {
    problems.push(`the tree head does not verify with ${keys.party}'s keys: ${(error as Error).message}`);
    return report;
  }
  Object.assign(report, { treeSize: head.treeSize, rootHash: head.rootHash });
  const checkpoints = new Map<number, Checkpoint[]>();
  const addCheckpoint = (size: number, root: string, label: string) =>
    checkpoints.set(size, [...(checkpoints.get(size) ?? []), { root: fromBase64(root), label }]);
  addCheckpoint(head.treeSize, head.rootHash, "the signed tree head");

  for (const w of signedHead.witnesses) {
    const peerKeys = keys.peers.find((p) => p.party === w.party)?.keys ?? [];
    try {
      const cs = await verifySigned(w.signed, COUNTERSIGNATURE_TYP, await keyMap(peerKeys), CountersignaturePayload);
      if (cs.origin !== keys.party || cs.witness !== w.party) throw new Error("it names another origin or witness");
      if (cs.treeSize > head.treeSize) throw new Error(`it is for size ${cs.treeSize}, beyond the head`);
      addCheckpoint(cs.treeSize, cs.rootHash, `${w.party}'s countersignature`);
      report.witnesses.push({ party: w.party, treeSize: cs.treeSize, ok: true });
    } catch (error) {
      problems.push(`${w.party}'s countersignature does not verify: ${(error as Error).message}`);
      report.witnesses.push({ party: w.party, treeSize: -1, ok: false });
    }
  }
  const saved = options.saved;
  if (saved && saved.party === keys.party) {
    if (saved.treeSize > head.treeSize) {
      problems.push(`the log shrank: an earlier run saw ${saved.treeSize} leaves, the head now says ${head.treeSize}`);
      report.firstBadIndex = head.treeSize;
    } else {
      addCheckpoint(saved.treeSize, saved.rootHash, "the head saved by an earlier run");
    }
  }

  // Roots at page ends, so a disagreeing root can be narrowed to one page with the node's proofs.
  const pageRoots: { size: number; root: Hash }[] = [{ size: 0, root: new MerkleFrontier().root() }];
  const frontier = new MerkleFrontier();
  const rootMismatches: { size: number; label: string }[] = [];
  const checkRoot = () => {
    for (const c of checkpoints.get(frontier.size) ?? []) {
      if (Buffer.compare(Buffer.from(frontier.root()), Buffer.from(c.root)) !== 0) {
        rootMismatches.push({ size: frontier.size, label: c.label });
      }
    }
  };
  checkRoot();
  scan: for await (const page of source.pages(head.treeSize)) {
    for (const leaf of page) {
      const index = frontier.size;
      const fail = (why: string) => {
        report.firstBadIndex = index;
        problems.push(`leaf ${index}: ${why}`);
      };
      if (leaf.index !== index) {
        fail(leaf.index > index ? `missing (the next leaf is ${leaf.index})` : `out of order (found ${leaf.index})`);
        break scan;
      }
      const data = Buffer.from(leaf.data, "base64");
      let claimed: unknown;
      try {
        claimed = (JSON.parse(data.toString("utf8")) as { index?: unknown }).index;
      } catch {
        fail("the leaf bytes are not JSON");
        break scan;
      }
      if (claimed !== index) {
        fail(`the leaf says it is leaf ${String(claimed)}: rows were moved`);
        break scan;
      }
      const hash = leafHash(data);
      if (leaf.leafHash && leaf.leafHash !== toBase64(hash)) {
        fail("the leaf bytes do not match the hash recorded when it was appended: the row was changed");
        break scan;
      }
      frontier.push(hash);
      checkRoot();
      if (rootMismatches.length > 0) break scan;
    }
    pageRoots.push({ size: frontier.size, root: frontier.root() });
    options.onProgress?.(frontier.size, head.treeSize);
  }
  if (report.firstBadIndex === null && frontier.size < head.treeSize && rootMismatches.length === 0) {
    report.firstBadIndex = frontier.size;
    problems.push(`leaf ${frontier.size}: missing (the log ends at ${frontier.size} of ${head.treeSize})`);
  }
  const mismatch = rootMismatches[0];
  if (mismatch && report.firstBadIndex === null) {
    const trusted = (checkpoints.get(mismatch.size) ?? []).find((c) => c.label === mismatch.label) as Checkpoint;
    problems.push(`the root of the first ${mismatch.size} leaves differs from ${mismatch.label}`);
    report.firstBadIndex = await locateBadLeaf(source, pageRoots, mismatch.size, trusted.root);
    if (report.firstBadIndex !== null) problems.push(`leaf ${report.firstBadIndex} is the first that does not verify`);
  }
  report.ok = problems.length === 0;
  if (report.ok)
    report.head = { party: keys.party, treeSize: head.treeSize, rootHash: head.rootHash, signed: signedHead.signed };
  return report;
}

/**
 * Only a root disagrees (the leaves and their recorded hashes were rewritten together): find the first page
 * whose prefix is not consistent with the trusted root, then the first leaf in it with no valid inclusion proof.
 */
async function locateBadLeaf(
  source: LogSource,
  pageRoots: { size: number; root: Hash }[],
  size: number,
  trustedRoot: Hash,
): Promise<number | null> {
  const proofs = source.proofs;
  const candidates = pageRoots.filter((p) => p.size > 0 && p.size < size);
  if (!proofs) return candidates.length === 0 ? 0 : null;
  let lo = 0;
  let hi = candidates.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const c = candidates[mid] as { size: number; root: Hash };
    const path = (await proofs.consistency(c.size, size)).map(fromBase64);
    if (verifyConsistency(c.size, size, c.root, trustedRoot, path)) lo = mid + 1;
    else hi = mid;
  }
  const start = lo === 0 ? 0 : (candidates[lo - 1] as { size: number }).size;
  const end = lo < candidates.length ? (candidates[lo] as { size: number }).size : size;
  for (let at = start; at < end; at += 1000) {
    for (const leaf of await proofs.leaves(at, Math.min(end, at + 1000) - 1)) {
      const path = (await proofs.inclusion(leaf.index, size)).map(fromBase64);
      if (!verifyInclusion(leafHash(Buffer.from(leaf.data, "base64")), leaf.index, size, path, trustedRoot)) {
        return leaf.index;
      }
    }
  }
  return start;
}
