import canonicalize from "canonicalize";

/** RFC 8785 (JCS) canonical JSON: the exact bytes that are signed, hashed and compared. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value cannot be represented as canonical JSON");
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
