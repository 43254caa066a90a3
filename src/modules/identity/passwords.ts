import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { badRequest } from "../../core/errors.ts";

/**
 * scrypt (memory-hard) with N=2^15, r=8, p=1: about 32 MiB and tens of milliseconds per guess, per-user salt.
 * Stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` so parameters can be raised without breaking old hashes.
 */
const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 128 * 1024 * 1024;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: 2 ** LOG2_N, r: R, p: P, maxmem: MAX_MEMORY }, KEY_LENGTH);
  return `scrypt$${LOG2_N}$${R}$${P}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, log2n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !log2n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(
    password,
    Buffer.from(salt, "base64url"),
    { N: 2 ** Number(log2n), r: Number(r), p: Number(p), maxmem: MAX_MEMORY },
    expected.length,
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummyHash: Promise<string> | undefined;
/** Verified against for unknown usernames, so a miss costs as long as a wrong password. */
export const dummyPasswordHash = (): Promise<string> => {
  dummyHash ??= hashPassword(randomBytes(16).toString("base64url"));
  return dummyHash;
};

/** Why a password is too weak, or undefined when it is acceptable. */
export function passwordWeakness(password: string, username: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `a password needs at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `a password may have at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.toLowerCase().includes(username.toLowerCase())) return "a password must not contain the username";
  if (new Set(password).size < 6) return "a password needs at least 6 different characters";
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((c) => c.test(password)).length;
  // Long passphrases are strong without mixing character classes.
  if (password.length < 20 && classes < 3) {
    return "a password shorter than 20 characters needs three of: lower case, upper case, digits, symbols";
  }
  return undefined;
}

export function assertStrongPassword(password: string, username: string): void {
  const weakness = passwordWeakness(password, username);
  if (weakness) throw badRequest("LIAISON_IDENTITY_WEAK_PASSWORD", weakness);
}

/** A random password that satisfies the policy (demo accounts). */
export function generatePassword(): string {
  return `${randomBytes(18).toString("base64url")}-Aa1`;
}
