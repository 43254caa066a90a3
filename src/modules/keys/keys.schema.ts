import { z } from "zod";

/** Key ids are RFC 7638 SHA-256 thumbprints, base64url without padding. */
export const Kid = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a key id is a 43-character RFC 7638 thumbprint");

/** The envelope that tells a peer one of this node's keys is revoked (handled by federation/peers.revocation.ts). */
export const KEY_REVOCATION_ENVELOPE = "keys.revocation";
export const KeyRevocationBody = z
  .object({
    kid: Kid,
    use: z.enum(["sig", "enc"]),
    revokedAt: z.iso.datetime(),
  })
  .strict();
export type KeyRevocationBody = z.infer<typeof KeyRevocationBody>;

export const RevokeKeyRequest = z.object({ kid: Kid }).strict();
export const RevokeKeyResponse = z.object({
  kid: Kid,
  use: z.enum(["sig", "enc"]),
  revokedAt: z.iso.datetime(),
  /** Parties a revocation envelope was queued for. */
  notified: z.array(z.string()),
});
