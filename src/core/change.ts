/**
 * The contract of a state change, shared by the database layer (which runs it), the audit module (which turns
 * its records into leaves) and federation (which delivers what it sends). It lives here, in core, so none of
 * those has to import another to speak of it; `src/db/changes.ts` binds `Tx` to the node's Kysely transaction.
 */

/** One audit record: what a change did, by whom, with what outcome. */
export interface AuditEvent {
  /** Who acted: a user id, `node:<party>` for the node itself, or `peer:<party>` for the other node. */
  actor: string;
  /** Dotted verb, e.g. `notice.send`, `envelope.receive`, `envelope.reject`. */
  action: string;
  subject?: string | undefined;
  outcome: string;
  reasons?: { policy: string; text: string }[] | undefined;
  requestId?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** An envelope sealed for a peer, ready to be written to the outbox. */
export interface SealedEnvelope {
  envelopeId: string;
  peer: string;
  type: string;
  jwe: string;
  digest: string;
  createdAt: Date;
}

/** What the work of one change is handed: its transaction, its time, and where to put its record and envelopes. */
export interface ChangeContextOf<Tx> {
  tx: Tx;
  /** The time of this change, read once so every row of it agrees. */
  at: Date;
  /** Record what happened; at least one event per change. */
  audit(...events: AuditEvent[]): void;
  /** Deliver these envelopes to the peer once the transaction commits (with none: just wake the worker). */
  send(...envelopes: SealedEnvelope[]): void;
}
