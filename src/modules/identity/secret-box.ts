import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The key that seals second-factor secrets at rest, beside the node's other keys in its data directory. */
export const SECRETS_KEY_FILE = "identity-secrets.key";

/**
 * Seals small secrets (TOTP shared secrets) with AES-256-GCM under a key kept in a file of the data directory,
 * not in the database: a copy of the database (a backup, a replica, a dump handed to support) does not carry
 * what it takes to generate anyone's codes. The user id is bound as associated data, so a sealed secret copied
 * onto another account's row does not open.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The node's key, created (mode 0600) on first use. */
  static forDataDir(dataDir: string): SecretBox {
    const file = join(dataDir, SECRETS_KEY_FILE);
    if (!existsSync(file)) {
      try {
        writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
      } catch (error) {
        // Another process of the node sharing this data directory wrote it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64url");
    if (key.length !== 32) throw new Error(`${file} does not hold a 256-bit key`);
    return new SecretBox(key);
  }

  seal(plaintext: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return ["v1", iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
      .join(".");
  }

  open(sealed: string, boundTo: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("not a sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(boundTo));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}
