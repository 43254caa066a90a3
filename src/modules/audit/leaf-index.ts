/**
 * The `index` a leaf's bytes claim: the value of the member "index" of the top-level JSON object they encode,
 * found by scanning the bytes once instead of parsing them (a JSON.parse of every leaf cost a verifier more than
 * a third of its time). It tracks only the nesting depth and whether it is inside a string, so an "index" member
 * inside a nested value (e.g. in `details`) or in a string is passed over. It is no JSON validator: the leaf bytes
 * are checked by their hash; this only names a leaf stored at another position than the one it was written for.
 * Answers undefined unless the bytes start a JSON object whose top-level "index" (written as canonical JSON
 * writes it: no spaces, plain digits) is a safe integer. Never reads past the bytes.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const ZERO = 0x30;
const NINE = 0x39;
// `"index":` as bytes.
const INDEX_KEY = [0x22, 0x69, 0x6e, 0x64, 0x65, 0x78, 0x22, COLON];

function isIndexKeyAt(bytes: Uint8Array, at: number): boolean {
  if (at + INDEX_KEY.length > bytes.length) return false;
  for (let i = 0; i < INDEX_KEY.length; i++) if (bytes[at + i] !== INDEX_KEY[i]) return false;
  return true;
}

/** Plain digits up to the next `,` or `}` (no sign, no leading zero, no fraction), as a safe integer. */
function readIndex(bytes: Uint8Array, at: number): number | undefined {
  let value = 0;
  let i = at;
  for (; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === COMMA || b === CLOSE_OBJECT) break;
    if (b < ZERO || b > NINE) return undefined;
    value = value * 10 + (b - ZERO);
  }
  if (i === at || i === bytes.length || (bytes[at] === ZERO && i - at > 1)) return undefined;
  return Number.isSafeInteger(value) ? value : undefined;
}

export function leafIndexClaim(bytes: Uint8Array): number | undefined {
  if (bytes[0] !== OPEN_OBJECT) return undefined;
  let depth = 1;
  // A string at depth 1 right after `{` or `,` is a member name of the top-level object.
  let nameNext = true;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === QUOTE) {
      if (nameNext && isIndexKeyAt(bytes, i)) return readIndex(bytes, i + INDEX_KEY.length);
      nameNext = false;
      // Skip the string: a backslash escapes the byte after it.
      for (i++; i < bytes.length; i++) {
        const c = bytes[i] as number;
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      depth++;
      nameNext = false;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return undefined;
      nameNext = false;
    } else if (b === COMMA) {
      nameNext = depth === 1;
    } else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
      nameNext = false;
    }
  }
  return undefined;
}
