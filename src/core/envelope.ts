import { createHash } from "node:crypto";
import { z } from "zod";
import { UUID_PATTERN } from "./ids.ts";
import { PartyCode } from "./party.ts";

/**
 * The envelope payload: what one party's node says to the other's. It is serialised as RFC 8785 canonical JSON,
 * signed (JWS, EdDSA) by the sender and encrypted (JWE, ECDH-ES+A256KW / A256GCM) to the recipient.
 * `type` names the handler on the receiving node; `version` lets a type evolve without breaking older peers.
 */
export const EnvelopePayload = z
  .object({
    id: z.string().regex(UUID_PATTERN, "id must be a UUID"),
    type: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, "type must be dotted lower-case, e.g. notice.sent"),
    version: z.number().int().positive(),
    from: PartyCode,
    to: PartyCode,
    createdAt: z.iso.datetime({ offset: true }),
    body: z.record(z.string(), z.unknown()),
  })
  .strict();
export type EnvelopePayload = z.infer<typeof EnvelopePayload>;

/** What a receiver signs for every envelope it accepts: proof of delivery for both sides. */
export const ReceiptPayload = z
  .object({
    envelopeId: z.string().regex(UUID_PATTERN),
    digest: z.string(),
    receivedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type ReceiptPayload = z.infer<typeof ReceiptPayload>;

/** SHA-256 of the exact compact JWE bytes, base64url: the digest named in receipts and audit events. */
export function envelopeDigest(jwe: string): string {
  return createHash("sha256").update(jwe, "utf8").digest("base64url");
}
