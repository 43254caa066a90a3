import { createHash, randomInt } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";

/**
 * TOTP (RFC 6238) as every authenticator app speaks it: SHA-1, 6 digits, 30-second steps. The arithmetic is the
 * otpauth library's; what is Liaison's own is the rule that a time step, once used, is never accepted again.
 */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side: a phone's clock a little off still works, a code older than a minute does not. */
const WINDOW = 1;
const RECOVERY_CODES = 10;

function totpOf(secretBase32: string, label = "liaison"): TOTP {
  return new TOTP({
    issuer: "Liaison",
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new shared secret: 160 bits, the size RFC 4226 recommends for HMAC-SHA-1. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** What an authenticator app scans: the otpauth:// URI, and that URI as a QR code (SVG data URL). */
export async function enrolmentPicture(secretBase32: string, label: string, issuer: string) {
  const totp = totpOf(secretBase32, label);
  totp.issuer = issuer;
  const uri = totp.toString();
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { uri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}` };
}

export function timeStepAt(at: Date): number {
  return TOTP.counter({ period: PERIOD_SECONDS, timestamp: at.getTime() });
}

/** The code of a given time step (tests and the demo's scripted sign-ins compute codes the way a phone does). */
export function totpCode(secretBase32: string, at: Date): string {
  return totpOf(secretBase32).generate({ timestamp: at.getTime() });
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: "wrong-code" | "reused-code" };

/**
 * Check a code at `at`. It must match a step within the window, and that step must come after the last one this
 * account used (`lastStep`): a code seen over a shoulder or replayed from a log is refused, even within its 30 s.
 */
export function checkTotp(secretBase32: string, code: string, at: Date, lastStep: number | null): TotpCheck {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return { ok: false, reason: "wrong-code" };
  const delta = totpOf(secretBase32).validate({ token, timestamp: at.getTime(), window: WINDOW });
  if (delta === null) return { ok: false, reason: "wrong-code" };
  const step = timeStepAt(at) + delta;
  if (lastStep !== null && step <= lastStep) return { ok: false, reason: "reused-code" };
  return { ok: true, step };
}

// Recovery codes: 59 random bits each, in letters and digits without look-alikes (no i, l, o, 0, 1), shown once as xxxx-xxxx-xxxx.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES }, () => {
    const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

/** Spaces, dashes and case do not matter when a person types a recovery code back. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Stored as SHA-256 only: a recovery code is a random secret like an API token, so a fast hash is enough. */
export function hashRecoveryCode(code: string): string {
  return createHash("sha256")
    .update(`liaison-recovery:${normaliseRecoveryCode(code)}`)
    .digest("hex");
}
