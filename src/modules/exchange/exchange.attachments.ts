import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exchangeError } from "./exchange.errors.ts";

/**
 * Attachments: size-limited, type-checked against their bytes (a declared type is a claim, not a fact), hashed
 * with SHA-256 and stored encrypted at rest with AES-256-GCM under a key that lives in the node's data dir, so a
 * database dump alone does not reveal them.
 */

export const ATTACHMENT_KEY_FILE = "exchange-attachments.key";
export const DEFAULT_ATTACHMENT_MAX_BYTES = 512 * 1024;

/** The node's attachment key (32 random bytes, file mode 0600), created on first use. */
export function loadAttachmentKey(dataDir: string): Buffer {
  const file = join(dataDir, ATTACHMENT_KEY_FILE);
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
  const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
  return key;
}

const startsWith = (bytes: Buffer, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

function looksLikeText(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes) !== undefined;
}

/** Allowed types and how their content is recognised. */
const SNIFFERS: Record<string, (bytes: Buffer) => boolean> = {
  "application/pdf": (b) => startsWith(b, [0x25, 0x50, 0x44, 0x46, 0x2d]),
  "image/png": (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  "image/jpeg": (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  "text/plain": looksLikeText,
  "text/csv": looksLikeText,
  "application/json": (b) => {
    try {
      JSON.parse(b.toString("utf8"));
      return true;
    } catch {
      return false;
    }
  },
};
export const ALLOWED_ATTACHMENT_TYPES = Object.keys(SNIFFERS);

export interface CheckedAttachment {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  bytes: Buffer;
}

/** Refuse what is too big, of a type not allowed, or whose bytes are not what it claims to be. */
export function checkAttachment(
  input: { name: string; contentType: string; content: string },
  maxBytes: number,
  index: number,
): CheckedAttachment {
  const contentType = input.contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const sniff = SNIFFERS[contentType];
  if (!sniff) {
    throw exchangeError(
      "ATTACHMENT_TYPE_NOT_ALLOWED",
      415,
      `attachment ${index} (${input.name}): ${contentType} is not allowed`,
      {
        allowed: ALLOWED_ATTACHMENT_TYPES,
      },
    );
  }
  const bytes = Buffer.from(input.content, "base64");
  if (bytes.length > maxBytes) {
    throw exchangeError(
      "ATTACHMENT_TOO_LARGE",
      413,
      `attachment ${index} (${input.name}) is ${bytes.length} bytes; the limit is ${maxBytes}`,
      { maxBytes },
    );
  }
  let matches = false;
  try {
    matches = bytes.length > 0 && sniff(bytes);
  } catch {
    matches = false;
  }
  if (!matches) {
    throw exchangeError(
      "ATTACHMENT_CONTENT_MISMATCH",
      415,
      `attachment ${index} (${input.name}) is declared ${contentType} but its content is not`,
    );
  }
  return {
    name: input.name,
    contentType,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    bytes,
  };
}

export interface SealedAttachment {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** The attachment id is bound as additional data, so a ciphertext cannot be swapped onto another row. */
export function encryptAttachment(key: Buffer, id: string, bytes: Buffer): SealedAttachment {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(id));
  const ciphertext = Buffer.concat([cipher.update(bytes), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

export function decryptAttachment(key: Buffer, id: string, sealed: SealedAttachment): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv);
  decipher.setAAD(Buffer.from(id));
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}
