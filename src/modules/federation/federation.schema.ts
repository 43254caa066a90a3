import { z } from "zod";
import { PartyCode } from "../../core/party.ts";

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
