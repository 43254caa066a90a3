import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { badRequest } from "../../core/errors.ts";

/**
 * scrypt (memory-hard) with N=2^17, r=8, p=1, OWASP's recommendation: 128 MiB and a few hundred milliseconds per
 * guess, per-user salt. Stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` so parameters can be raised without
 * breaking old hashes; a hash weaker than this is replaced at the user's next successful login
 * (`needsRehash`, AuthService.login). The node's cost is `identity.passwordHashCost`: 17, or lower in test mode
 * only (config.schema.ts refuses it elsewhere), so the suite's hundreds of hashes do not each take 128 MiB.
 */
export const SCRYPT_LOG2_N = 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
/** Node refuses scrypt above maxmem (default 32 MiB); 128·N·r is 128 MiB at 2^17, plus headroom. */
const MAX_MEMORY = 160 * 1024 * 1024;
/** Stored parameters are read from the database: never let one ask for more than this (2^20 would be 1 GiB). */
const MAX_STORED_LOG2_N = 18;

/**
 * Each derivation holds 128 MiB on a libuv thread. Unbounded, a burst of logins would take 4 × 128 MiB (the
 * thread pool's size) and starve the pool's other users (file I/O, the inbox's crypto); two at a time caps the
 * memory at 256 MiB per process. Process-wide on purpose: the memory and the thread pool are the process's.
 */
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function withScryptSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next waiter (running stays the same), or free it.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return withScryptSlot(
    () =>
      new Promise((resolve, reject) =>
        scrypt(password.normalize("NFC"), salt, length, options, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      ),
  );
}

/** Hash at the current cost; `log2N` exists only so tests can make the older, weaker hashes a node may hold. */
export async function hashPassword(password: string, log2N = SCRYPT_LOG2_N): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: 2 ** log2N, r: R, p: P, maxmem: MAX_MEMORY }, KEY_LENGTH);
  return `scrypt$${log2N}$${R}$${P}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, log2n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !log2n || !r || !p || !salt || !hash) return false;
  const log2N = Number(log2n);
  if (!Number.isInteger(log2N) || log2N < 1 || log2N > MAX_STORED_LOG2_N || Number(r) !== R || Number(p) !== P) {
    return false;
  }
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(
    password,
    Buffer.from(salt, "base64url"),
    { N: 2 ** log2N, r: R, p: P, maxmem: MAX_MEMORY },
    expected.length,
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** True when a stored hash is weaker than what hashPassword makes now: it is replaced at the next login. */
export function needsRehash(stored: string, log2N = SCRYPT_LOG2_N): boolean {
  const [scheme, log2n, r, p] = stored.split("$");
  return scheme !== "scrypt" || Number(log2n) < log2N || Number(r) !== R || Number(p) !== P;
}

const dummyHashes = new Map<number, Promise<string>>();
/** Verified against for unknown usernames, so a miss costs as long as a wrong password (at the node's cost). */
export const dummyPasswordHash = (log2N = SCRYPT_LOG2_N): Promise<string> => {
  let hash = dummyHashes.get(log2N);
  if (!hash) {
    hash = hashPassword(randomBytes(16).toString("base64url"), log2N);
    dummyHashes.set(log2N, hash);
  }
  return hash;
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
