import { z } from "zod";
import { PartyCode } from "../../core/party.ts";
import { Instant, itemsOf } from "../../http/response.schema.ts";

export const PublicJwk = z
  .object({
    kty: z.literal("OKP"),
    crv: z.enum(["Ed25519", "X25519"]),
    x: z.string().min(1).max(128),
    /** The RFC 7638 thumbprint of the key (checked when pinned). */
    kid: z.string().min(1).max(128),
    use: z.enum(["sig", "enc"]),
    alg: z.string().optional(),
    /** Since when the key only verifies what was signed before (it was rotated out). */
    retiredAt: z.iso.datetime().optional(),
    /** Since when the key verifies nothing. */
    revokedAt: z.iso.datetime().optional(),
  })
  .loose()
  .refine((jwk) => !("d" in jwk), "a descriptor must never carry a private key");

/** What a node publishes about itself and what its peer pins. */
export const Descriptor = z.object({
  party: PartyCode,
  name: z.string().min(1),
  baseUrl: z.url(),
  keys: z.object({ keys: z.array(PublicJwk).min(2) }),
});
export type Descriptor = z.infer<typeof Descriptor>;

export const EnvelopeBatchRequest = z.object({
  envelopes: z.array(z.string()).min(1),
});

/** One result per envelope, in the order sent: a signed receipt, or an error that says whether to retry. */
export const EnvelopeResult = z.union([
  z.object({ envelopeId: z.string().optional(), receipt: z.string() }),
  z.object({
    envelopeId: z.string().optional(),
    error: z.object({ code: z.string(), detail: z.string(), retryable: z.boolean() }),
  }),
]);
export type EnvelopeResult = z.infer<typeof EnvelopeResult>;
export const EnvelopeBatchResponse = z.object({ results: z.array(EnvelopeResult) });

// ---- Responses (the OpenAPI document and the web client's types come from them).

const OutboxStatus = z.enum(["pending", "delivered", "dead"]);

/** A pinned peer with its delivery counts. */
export const PeerSummary = z.object({
  party: z.string(),
  name: z.string(),
  baseUrl: z.string(),
  kids: z.array(z.string()),
  pending: z.number().int(),
  dead: z.number().int(),
  delivered: z.number().int(),
  lastDeliveredAt: Instant.nullable(),
});
export const PeerList = itemsOf(PeerSummary);

/** An outbox row as the operator reads it (the table's own column names). */
export const OutboxItem = z.object({
  envelope_id: z.string(),
  peer: z.string(),
  type: z.string(),
  status: OutboxStatus,
  attempts: z.number().int(),
  created_at: Instant,
  next_attempt_at: Instant,
  last_error_code: z.string().nullable(),
  last_error: z.string().nullable(),
  delivered_at: Instant.nullable(),
  dead_at: Instant.nullable(),
});
export const OutboxList = itemsOf(OutboxItem);
export const RetryResult = z.object({ retried: z.array(z.string()) });

/** One envelope, sent or received, as stored: its JWE, its receipt and (sent) every delivery attempt. */
export const EnvelopeRecord = z.union([
  z.object({
    envelopeId: z.string(),
    direction: z.literal("outbound"),
    peer: z.string(),
    type: z.string(),
    status: OutboxStatus,
    digest: z.string(),
    jwe: z.string(),
    receipt: z.string().nullable(),
    attempts: z.array(
      z.object({
        attempted_at: Instant,
        duration_ms: z.number(),
        error: z.string().nullable(),
        error_code: z.string().nullable(),
        outcome: z.enum(["dead", "delivered", "retry"]),
      }),
    ),
  }),
  z.object({
    envelopeId: z.string(),
    direction: z.literal("inbound"),
    peer: z.string(),
    type: z.string(),
    status: z.string(),
    digest: z.string(),
    jwe: z.string(),
    receipt: z.string(),
    attempts: z.array(z.never()),
  }),
]);
