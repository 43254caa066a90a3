import { z } from "zod";
import { PartyCode } from "../../core/party.ts";

const Size = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Base64Hash = z.base64().length(44);

/** What a node signs about its own log: the payload of a `liaison-tree-head+jws`. */
export const TreeHeadPayload = z.object({ treeSize: Size, rootHash: Base64Hash, timestamp: z.iso.datetime() }).strict();
export type TreeHeadPayload = z.infer<typeof TreeHeadPayload>;

/** What a witness signs about the origin's head: the payload of a `liaison-tree-head-witness+jws`. */
export const CountersignaturePayload = z
  .object({
    origin: z.string(),
    witness: z.string(),
    treeSize: Size,
    rootHash: Base64Hash,
    timestamp: z.iso.datetime(),
    witnessedAt: z.iso.datetime(),
  })
  .strict();
export type CountersignaturePayload = z.infer<typeof CountersignaturePayload>;

/** `audit.tree-head`: a new head with consistency proofs from each head the witness may hold as its latest. */
export const TreeHeadEnvelopeBody = z
  .object({
    signed: z.string().max(4096),
    proofs: z.array(z.object({ from: Size, path: z.array(Base64Hash).max(128) }).strict()).max(16),
  })
  .strict();
export type TreeHeadEnvelopeBody = z.infer<typeof TreeHeadEnvelopeBody>;

/** `audit.countersignature`: the witness's signature over a head, or its refusal with the reason. */
export const CountersignatureEnvelopeBody = z
  .object({
    treeSize: Size,
    rootHash: z.string().max(64),
    countersigned: z.string().max(4096).optional(),
    refused: z
      .object({ kind: z.string().max(64), detail: z.string().max(1000) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => (b.countersigned === undefined) !== (b.refused === undefined), "either countersigned or refused");
export type CountersignatureEnvelopeBody = z.infer<typeof CountersignatureEnvelopeBody>;

const IndexParam = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const InclusionQuery = z.object({ index: IndexParam, treeSize: IndexParam.optional() }).strict();
export const ConsistencyQuery = z.object({ from: IndexParam, to: IndexParam.optional() }).strict();
export const LeavesQuery = z
  .object({
    start: IndexParam,
    end: IndexParam,
    /** `compact` leaves out the parsed event (the verifier needs only the bytes): half the bytes on the wire. */
    view: z.enum(["full", "compact"]).default("full"),
  })
  .strict();
/** The whole range in one response: `end` is inclusive, as for `/leaves`, and must be below the log's size. */
export const LeafStreamQuery = z
  .object({
    start: IndexParam,
    end: IndexParam,
    /** `recorded` adds to each leaf the hash the node stored when it appended it (for exports). */
    hashes: z.enum(["none", "recorded"]).default("none"),
  })
  .strict();
/** A witness's record of an origin's heads it countersigned: newest first, `before` (a tree size) pages back. */
export const WitnessedQuery = z
  .object({
    origin: PartyCode,
    before: IndexParam.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export const WitnessedHeads = z.object({
  origin: z.string(),
  items: z.array(
    z.object({
      treeSize: z.number().int(),
      rootHash: z.string(),
      timestamp: z.string(),
      acceptedAt: z.string(),
      /** The countersignature this node returned (a `liaison-tree-head-witness+jws`). */
      countersigned: z.string(),
    }),
  ),
});
export type WitnessedHeads = z.infer<typeof WitnessedHeads>;

export const EventsQuery = z
  .object({
    actor: z.string().max(200).optional(),
    action: z.string().max(200).optional(),
    subject: z.string().max(500).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    before: IndexParam.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/**
 * What witnessing itself writes: a head due only to these would make two idle nodes sign heads forever, so none is
 * signed for them, and they need no countersignature to be on time (the verifier and the overdue check skip them).
 */
export const WITNESSING_ACTIONS: readonly string[] = [
  "audit.tree-head.send",
  "audit.tree-head.witness",
  "audit.countersignature.receive",
  "envelope.delivered",
  "envelope.receive",
];

/** Longest page of leaves one request returns. */
export const MAX_LEAVES_PER_PAGE = 1000;

// ---- Responses (the OpenAPI document and the web client's types come from them).

/** A JWK as the log's verifiers need it (the public part only; keys.schema and federation.schema check more). */
const VerifyingKey = z.looseObject({ kty: z.string(), kid: z.string().optional(), use: z.string().optional() });

export const TreeHeadWithWitnesses = z.object({
  /** The signed tree head (compact JWS). */
  signed: z.string(),
  treeSize: z.number().int(),
  rootHash: z.string(),
  timestamp: z.string(),
  witnesses: z.array(
    z.object({
      party: z.string(),
      signed: z.string(),
      treeSize: z.number().int(),
      rootHash: z.string(),
      receivedAt: z.string(),
    }),
  ),
});
export const InclusionProof = z.object({
  index: z.number().int(),
  treeSize: z.number().int(),
  leafHash: z.string(),
  path: z.array(z.string()),
});
export const ConsistencyProof = z.object({ from: z.number().int(), to: z.number().int(), path: z.array(z.string()) });

/** A leaf's event as recorded (audit.repository.ts auditLeafBytes): open, since `details` is each action's own. */
export const RecordedEvent = z.looseObject({
  index: z.number().int(),
  at: z.string(),
  party: z.string(),
  actor: z.string(),
  action: z.string(),
  subject: z.string().nullable(),
  outcome: z.string(),
  reasons: z.array(z.object({ policy: z.string(), text: z.string() })),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export const LeavesPage = z.object({
  items: z.array(
    z.object({
      index: z.number().int(),
      /** The leaf bytes, base64. */
      data: z.string(),
      leafHash: z.string().nullable(),
      event: RecordedEvent.optional(),
    }),
  ),
});
export const EventsPage = z.object({
  items: z.array(RecordedEvent),
  /** Pass as `before` for older events; null on the last page. */
  next: z.number().int().nullable(),
});
export const AuditAlerts = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      peer: z.string(),
      kind: z.string(),
      treeSize: z.number().int().nullable(),
      detail: z.string(),
    }),
  ),
});
export const AuditKeys = z.object({
  party: z.string(),
  keys: z.array(VerifyingKey),
  peers: z.array(z.object({ party: z.string(), keys: z.array(VerifyingKey) })),
});
