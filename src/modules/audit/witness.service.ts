/**
 * Witnessing: each party checks that the other's log only ever grows. The origin sends every new signed head
 * with consistency proofs; the witness verifies them against the last head it accepted from that origin,
 * countersigns, records what it saw as a leaf of its own log and sends the countersignature back. Anything
 * that does not verify becomes an alert on both nodes (metric, log, audit leaf, /api/v1/audit/alerts); it is
 * never countersigned.
 */
import { decodeProtectedHeader } from "jose";
import type { Logger } from "pino";
import { Counter } from "prom-client";
import type { Clock } from "../../core/clock.ts";
import { uuidv7 } from "../../core/ids.ts";
import { consistencyProofRanges, verifyConsistency } from "../../core/merkle.ts";
import type { Metrics } from "../../core/metrics.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { EnvelopeHandler } from "../federation/envelope-handlers.ts";
import type { FederationService } from "../federation/federation.service.ts";
import { assertPeerKeyValidAt, type PeerDirectory } from "../federation/peers.service.ts";
import type { KeyRing } from "../keys/keys.service.ts";
import { proofPath } from "./audit.repository.ts";
import {
  CountersignatureEnvelopeBody,
  CountersignaturePayload,
  TreeHeadEnvelopeBody,
  TreeHeadPayload,
} from "./audit.schema.ts";
import {
  COUNTERSIGNATURE_TYP,
  fromBase64,
  signCountersignature,
  TREE_HEAD_TYP,
  toBase64,
  verifySigned,
} from "./tree-head.ts";
import {
  type AuditTreeHeadsTable,
  insertAlert,
  insertCountersignature,
  insertWitnessedHead,
  lastCountersignature,
  lastWitnessedHead,
  treeHeadAt,
  treeHeadSizesAfter,
  witnessedHeadAt,
} from "./witness.repository.ts";

/** The kid of a JWS that verifySigned already checked. */
const signerKid = (jws: string) => String(decodeProtectedHeader(jws).kid);

export const TREE_HEAD_ENVELOPE = "audit.tree-head";
export const COUNTERSIGNATURE_ENVELOPE = "audit.countersignature";
/** Heads still awaiting a countersignature that a new head also carries a proof from. */
const PENDING_PROOFS = 8;

export interface WitnessDeps {
  db: Db;
  clock: Clock;
  party: string;
  keys: KeyRing;
  peers: PeerDirectory;
  federation: FederationService;
  changes: ChangeRunner;
  metrics: Metrics;
  logger: Logger;
}

export class WitnessService {
  /** Every witnessing alert, the overdue check's (countersign-watch.ts) included. */
  readonly alertsTotal: Counter<"peer" | "kind">;

  constructor(private readonly deps: WitnessDeps) {
    this.alertsTotal = new Counter({
      name: "liaison_audit_alerts_total",
      help: "Audit witnessing alerts (a peer's head failed a check, or the peer refused ours), by kind",
      labelNames: ["peer", "kind"],
      registers: [deps.metrics.registry],
    });
  }

  /**
   * Send a head to every peer with proofs from the last head that peer countersigned and from the heads sent
   * since (a countersignature may still be on its way), so the witness finds a proof from whichever it holds.
   */
  async sendHead(head: AuditTreeHeadsTable): Promise<void> {
    const { db, peers, federation, changes, party } = this.deps;
    const size = Number(head.tree_size);
    for (const peer of peers.list()) {
      const last = Number((await lastCountersignature(db, peer.party))?.tree_size ?? 0);
      if (last >= size) continue;
      const froms = [...(await treeHeadSizesAfter(db, last, size, PENDING_PROOFS - 1)), ...(last > 0 ? [last] : [])];
      const proofs = [];
      for (const from of froms) {
        proofs.push({ from, path: (await proofPath(db, consistencyProofRanges(from, size))).map(toBase64) });
      }
      const sealed = await federation.prepare(peer.party, TREE_HEAD_ENVELOPE, { signed: head.signed, proofs });
      await changes.run(async (change) => {
        change.send(sealed);
        change.audit({
          actor: `node:${party}`,
          action: "audit.tree-head.send",
          subject: peer.party,
          outcome: "success",
          details: { treeSize: size, rootHash: toBase64(head.root_hash), envelopeId: sealed.envelopeId },
        });
      });
    }
  }

  private async alert(change: ChangeContext, peer: string, kind: string, treeSize: number | null, detail: string) {
    await insertAlert(change.tx, { id: uuidv7(), at: change.at, peer, kind, tree_size: treeSize, detail });
    change.audit({
      actor: `node:${this.deps.party}`,
      action: "audit.alert",
      subject: peer,
      outcome: "failure",
      details: { kind, treeSize, detail },
    });
    this.alertsTotal.inc({ peer, kind });
    this.deps.logger.error({ peer, kind, treeSize, detail }, "audit witnessing alert");
  }

  /** Witness side: check the origin's head, countersign it or refuse it loudly. */
  treeHeadHandler(): EnvelopeHandler<typeof TreeHeadEnvelopeBody> {
    return {
      type: TREE_HEAD_ENVELOPE,
      versions: [1],
      body: TreeHeadEnvelopeBody,
      handle: async (change, { payload }) => {
        const origin = payload.from;
        const refuse = async (kind: string, treeSize: number | null, rootHash: string, detail: string) => {
          await this.alert(change, origin, kind, treeSize, detail);
          const sealed = await this.deps.federation.prepare(origin, COUNTERSIGNATURE_ENVELOPE, {
            treeSize: treeSize ?? 0,
            rootHash,
            refused: { kind, detail },
          });
          change.send(sealed);
        };
        const peer = await this.deps.peers.require(origin);
        let head: TreeHeadPayload;
        try {
          head = await verifySigned(payload.body.signed, TREE_HEAD_TYP, peer.signingKeys, TreeHeadPayload);
          assertPeerKeyValidAt(peer, signerKid(payload.body.signed), head.timestamp);
        } catch (error) {
          return refuse("signature", null, "", (error as Error).message);
        }
        const seen = await witnessedHeadAt(change.tx, origin, head.treeSize);
        if (seen) {
          if (toBase64(seen.root_hash) !== head.rootHash) {
            return refuse(
              "fork",
              head.treeSize,
              head.rootHash,
              `a different root for size ${head.treeSize} was accepted before`,
            );
          }
          return this.countersigned(change, origin, head, seen.countersigned, "duplicate");
        }
        const last = await lastWitnessedHead(change.tx, origin);
        if (last && head.treeSize < Number(last.tree_size)) {
          // Delivered out of order: a head of size n > this one was already checked; nothing new to prove.
          change.audit({
            actor: `peer:${origin}`,
            action: "audit.tree-head.stale",
            subject: `${origin}:${head.treeSize}`,
            outcome: "ignored",
            details: { treeSize: head.treeSize, rootHash: head.rootHash, latestAccepted: Number(last.tree_size) },
          });
          return;
        }
        if (last) {
          const from = Number(last.tree_size);
          const proof = payload.body.proofs.find((p) => p.from === from);
          if (!proof) {
            return refuse(
              "consistency-unproven",
              head.treeSize,
              head.rootHash,
              `no consistency proof from size ${from}`,
            );
          }
          const ok = verifyConsistency(
            from,
            head.treeSize,
            last.root_hash,
            fromBase64(head.rootHash),
            proof.path.map(fromBase64),
          );
          if (!ok) {
            return refuse(
              "consistency",
              head.treeSize,
              head.rootHash,
              `the head of size ${head.treeSize} is not an extension of the accepted head of size ${from}`,
            );
          }
        }
        const countersigned = await signCountersignature(
          { origin, witness: this.deps.party, ...head, witnessedAt: change.at.toISOString() },
          this.deps.keys.signing,
        );
        await insertWitnessedHead(change.tx, {
          origin,
          tree_size: head.treeSize,
          root_hash: fromBase64(head.rootHash),
          issued_at: new Date(head.timestamp),
          signed: payload.body.signed,
          countersigned,
          accepted_at: change.at,
        });
        return this.countersigned(change, origin, head, countersigned, "success", payload.body.signed);
      },
    };
  }

  private async countersigned(
    change: ChangeContext,
    origin: string,
    head: TreeHeadPayload,
    countersigned: string,
    outcome: string,
    signed?: string,
  ) {
    change.audit({
      actor: `peer:${origin}`,
      action: "audit.tree-head.witness",
      subject: `${origin}:${head.treeSize}`,
      outcome,
      details: { ...head, ...(signed ? { signed } : {}) },
    });
    const sealed = await this.deps.federation.prepare(origin, COUNTERSIGNATURE_ENVELOPE, {
      treeSize: head.treeSize,
      rootHash: head.rootHash,
      countersigned,
    });
    change.send(sealed);
  }

  /** Origin side: keep a valid countersignature of one of our heads; a refusal or a bad one is an alert. */
  countersignatureHandler(): EnvelopeHandler<typeof CountersignatureEnvelopeBody> {
    return {
      type: COUNTERSIGNATURE_ENVELOPE,
      versions: [1],
      body: CountersignatureEnvelopeBody,
      handle: async (change, { payload }) => {
        const witness = payload.from;
        const body = payload.body;
        if (body.refused) {
          return this.alert(
            change,
            witness,
            `witness-refused:${body.refused.kind}`,
            body.treeSize,
            body.refused.detail,
          );
        }
        const peer = await this.deps.peers.require(witness);
        let cs: CountersignaturePayload;
        try {
          cs = await verifySigned(
            body.countersigned as string,
            COUNTERSIGNATURE_TYP,
            peer.signingKeys,
            CountersignaturePayload,
          );
          // A countersignature is made after the head it names: its signing time is the later of the two.
          const signedAt = Math.max(Date.parse(cs.timestamp), Date.parse(cs.witnessedAt));
          assertPeerKeyValidAt(peer, signerKid(body.countersigned as string), new Date(signedAt));
        } catch (error) {
          return this.alert(change, witness, "countersignature-invalid", body.treeSize, (error as Error).message);
        }
        const own = await treeHeadAt(change.tx, cs.treeSize);
        if (
          cs.origin !== this.deps.party ||
          cs.witness !== witness ||
          !own ||
          toBase64(own.root_hash) !== cs.rootHash
        ) {
          return this.alert(
            change,
            witness,
            "countersignature-mismatch",
            cs.treeSize,
            "the countersignature names a head this node did not sign",
          );
        }
        await insertCountersignature(change.tx, {
          witness,
          tree_size: cs.treeSize,
          root_hash: own.root_hash,
          signed: body.countersigned as string,
          received_at: change.at,
        });
        change.audit({
          actor: `peer:${witness}`,
          action: "audit.countersignature.receive",
          subject: `${this.deps.party}:${cs.treeSize}`,
          outcome: "success",
          details: { treeSize: cs.treeSize, rootHash: cs.rootHash, witnessedAt: cs.witnessedAt },
        });
      },
    };
  }
}
