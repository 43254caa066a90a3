import { create as contentDisposition } from "content-disposition";
import { z } from "zod";

/**
 * What an attachment says about itself (its name and media type) ends up in response headers
 * (`Content-Disposition`, `Content-Type`) of `GET /api/v1/attachments/:id`. Both come from a user or from the peer,
 * so both are held to a grammar where they enter (the send schema, the inbound envelope schema) and are served
 * through a header builder that cannot be made to emit anything else.
 */

export const ATTACHMENT_NAME_MAX = 200;

// Control characters (C0, DEL, C1) would split or corrupt a header; bidirectional overrides make `exe.txt` read as
// `txt.exe`; path separators turn a name into a path on the reader's disk.
const NAME_FORBIDDEN = /[\p{Cc}\u202a-\u202e\u2066-\u2069/\\]/u;

export const AttachmentName = z
  .string()
  .min(1)
  .max(ATTACHMENT_NAME_MAX)
  .refine((name) => !NAME_FORBIDDEN.test(name), "a file name without control characters or directories")
  .refine((name) => name.trim() === name && name !== "." && name !== "..", "a file name, not a path or blank");

// RFC 6838 section 4.2: type-name and subtype-name are restricted-names (127 characters at most).
const RESTRICTED_NAME = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
const TOKEN = "[A-Za-z0-9!#$&'*+.^_`|~-]+";
const MEDIA_TYPE = new RegExp(`^${RESTRICTED_NAME}/${RESTRICTED_NAME}$`);
const MEDIA_TYPE_WITH_PARAMETERS = new RegExp(`^${RESTRICTED_NAME}/${RESTRICTED_NAME}(\\s*;\\s*${TOKEN}=${TOKEN})*$`);

/** A send may name parameters (`text/plain; charset=utf-8`); the node keeps only the type itself. */
export const DeclaredMediaType = z
  .string()
  .max(100)
  .regex(MEDIA_TYPE_WITH_PARAMETERS, "a media type (type/subtype, RFC 6838)");

/** What travels between nodes is the normalised type, without parameters. */
export const MediaType = z.string().max(255).regex(MEDIA_TYPE, "a media type (type/subtype, RFC 6838)");

/**
 * Headers for serving a stored attachment. A type outside `allowed` (a row from before these checks, or a type a
 * newer peer allows) is served as opaque bytes; the file is always a download (`attachment`) and never sniffed.
 */
export function attachmentHeaders(
  stored: { name: string; content_type: string },
  allowed: readonly string[],
): Record<string, string> {
  const type = allowed.includes(stored.content_type) ? stored.content_type : "application/octet-stream";
  let disposition = "attachment";
  if (AttachmentName.safeParse(stored.name).success) {
    try {
      // RFC 6266: a quoted ISO-8859-1 fallback and the exact name in RFC 8187 `filename*`.
      disposition = contentDisposition(stored.name);
    } catch {
      disposition = "attachment";
    }
  }
  return { "content-type": type, "content-disposition": disposition, "x-content-type-options": "nosniff" };
}
