/**
 * Federation module: owns the node's relations with its peers — pinned descriptors, the outbox and its delivery,
 * the idempotent inbox, and signed receipts. Other modules send through `prepare` + `ChangeContext.send` and
 * receive by registering an EnvelopeHandler for their envelope types.
 */
import type { NodeConfig } from "../../config/config.schema.ts";
import type { SealedEnvelope } from "../../core/change.ts";
import type { Clock } from "../../core/clock.ts";
import { type EnvelopePayload, envelopeDigest } from "../../core/envelope.ts";
import { notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db, Tx } from "../../db/database.ts";
import type { KeyRing, NodeKey } from "../keys/keys.service.ts";
import { sealEnvelope } from "./envelope-crypto.ts";
import { eraseEnvelopeContent } from "./envelope-erasure.ts";
import type { Descriptor } from "./federation.schema.ts";
import { findInboxEnvelope } from "./inbox.repository.ts";
import {
  countQueuedByPeer,
  deliveryStatusOf,
  findOutboxEnvelope,
  hasPendingEnvelope,
  listAttempts,
  listDeliveryTotals,
  listOutbox,
  retryDeadLetters,
} from "./outbox.repository.ts";
import type { PeerDirectory, PinOptions } from "./peers.service.ts";

export interface FederationServiceDeps {
  config: NodeConfig;
  db: Db;
  clock: Clock;
  keys: KeyRing;
  peers: PeerDirectory;
  changes: ChangeRunner;
}

/** Where an envelope this node sent is in delivery. */
export interface DeliveryStatus {
  status: string;
  deliveredAt: Date | null;
  lastErrorCode: string | null;
}

export interface Actor {
  id: string;
  requestId?: string | undefined;
}

export class FederationService {
  constructor(private readonly deps: FederationServiceDeps) {}

  descriptor(): Descriptor {
    const { config, keys } = this.deps;
    return {
      party: config.party,
      name: config.name,
      baseUrl: config.baseUrl,
      keys: { keys: keys.publicJwks() as Descriptor["keys"]["keys"] },
    };
  }

  /** Sign and encrypt a payload for a pinned peer. Done before the transaction: crypto need not hold locks. */
  async prepare(
    to: string,
    type: string,
    body: Record<string, unknown>,
    version = 1,
    /** Only a key's own revocation is signed by another key than the current one (see keys.revocation.ts). */
    signer: NodeKey = this.deps.keys.signing,
  ): Promise<SealedEnvelope> {
    const peer = await this.deps.peers.require(to);
    const createdAt = this.deps.clock.now();
    const payload: EnvelopePayload = {
      id: uuidv7(createdAt.getTime()),
      type,
      version,
      from: this.deps.config.party,
      to,
      createdAt: createdAt.toISOString(),
      body,
    };
    const jwe = await sealEnvelope(payload, signer, peer.encryptionKey);
    return { envelopeId: payload.id, peer: to, type, jwe, digest: envelopeDigest(jwe), createdAt };
  }

  async pinPeer(descriptor: unknown, actor: Actor, options: PinOptions = {}): Promise<Descriptor> {
    const pinned = await this.deps.peers.pin(descriptor, this.deps.clock.now(), options);
    await this.deps.changes.run(async (change) => {
      change.audit({
        actor: actor.id,
        action: "peer.pin",
        subject: pinned.party,
        outcome: "success",
        requestId: actor.requestId,
        details: {
          baseUrl: pinned.baseUrl,
          kids: pinned.keys.keys.map((k) => k.kid),
          fingerprintsChecked: options.fingerprints !== undefined,
        },
      });
    });
    return pinned;
  }

  /** Pinned peers with the state of delivery to each. */
  async listPeers() {
    // Bounded reads: the queue's rows through its partial indexes, and the running totals of deliveries.
    const queued = await countQueuedByPeer(this.deps.db);
    const totals = await listDeliveryTotals(this.deps.db);
    await this.deps.peers.reload();
    return this.deps.peers.list().map((peer) => {
      const count = (status: string) => queued.find((q) => q.peer === peer.party && q.status === status)?.count ?? 0;
      const delivered = totals.find((t) => t.peer === peer.party);
      return {
        party: peer.party,
        name: peer.name,
        baseUrl: peer.baseUrl,
        kids: [...peer.signingKeys.keys(), peer.encryptionKey.kid],
        pending: count("pending"),
        dead: count("dead"),
        delivered: Number(delivered?.delivered ?? 0),
        lastDeliveredAt: delivered?.last_delivered_at ?? null,
      };
    });
  }

  listOutbox(status: "pending" | "delivered" | "dead", limit = 100) {
    return listOutbox(this.deps.db, status, limit);
  }

  async retryDeadLetters(envelopeIds: string[] | "all", actor: Actor): Promise<string[]> {
    return this.deps.changes.run(async (change) => {
      const retried = await retryDeadLetters(change.tx, change.at, envelopeIds);
      change.audit({
        actor: actor.id,
        action: "outbox.retry-dead-letters",
        outcome: "success",
        requestId: actor.requestId,
        details: { envelopeIds: retried },
      });
      // Not an outbox insert, but the worker should look at once.
      if (retried.length > 0) change.send();
      return retried;
    });
  }

  /** A module withdrew what an envelope carried: empty the stored bytes, keep digest and receipt (envelope-erasure.ts). */
  eraseEnvelopeContent(tx: Tx, envelopeId: string, redact: (body: unknown) => unknown) {
    return eraseEnvelopeContent(tx, envelopeId, redact);
  }

  /**
   * Delivery state of envelopes this node sent (pending, delivered, dead) for the module that sent them, which
   * reads no outbox row itself. Envelopes no longer in the outbox (or never queued) are absent.
   */
  async deliveryStatus(envelopeIds: readonly string[]): Promise<Map<string, DeliveryStatus>> {
    const rows = await deliveryStatusOf(this.deps.db, envelopeIds);
    return new Map(
      rows.map((r) => [
        r.envelope_id,
        { status: r.status, deliveredAt: r.delivered_at, lastErrorCode: r.last_error_code },
      ]),
    );
  }

  /** Whether an envelope of this type to this peer still waits for delivery (a sender that sends one at a time). */
  hasPendingEnvelope(peer: string, type: string): Promise<boolean> {
    return hasPendingEnvelope(this.deps.db, peer, type);
  }

  /** The stored JWE and its receipt, whichever side of the exchange this node was on. */
  async envelope(envelopeId: string) {
    const sent = await findOutboxEnvelope(this.deps.db, envelopeId);
    if (sent) {
      return {
        envelopeId,
        direction: "outbound" as const,
        peer: sent.peer,
        type: sent.type,
        status: sent.status,
        digest: sent.digest,
        jwe: sent.jwe,
        receipt: sent.receipt,
        attempts: await listAttempts(this.deps.db, envelopeId),
      };
    }
    const received = await findInboxEnvelope(this.deps.db, envelopeId);
    if (received) {
      return {
        envelopeId,
        direction: "inbound" as const,
        peer: received.from_party,
        type: received.type,
        status: "received",
        digest: received.digest,
        jwe: received.jwe,
        receipt: received.receipt,
        attempts: [],
      };
    }
    throw notFound("LIAISON_FEDERATION_ENVELOPE_NOT_FOUND", `no envelope ${envelopeId} on this node`);
  }
}
