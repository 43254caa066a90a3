// The few libsodium functions the matching group uses (sodium-native ships no types of its own). Each throws
// `Error("status: -1")` when libsodium refuses (e.g. crypto_scalarmult on a low-order point).
declare module "sodium-native" {
  const sodium: {
    crypto_core_ed25519_from_uniform(p: Uint8Array, r: Uint8Array): void;
    crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
    crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
    crypto_core_ed25519_scalar_random(r: Uint8Array): void;
    crypto_core_ed25519_scalar_invert(recip: Uint8Array, s: Uint8Array): void;
    crypto_core_ed25519_scalar_reduce(r: Uint8Array, s: Uint8Array): void;
    crypto_core_ed25519_is_valid_point(p: Uint8Array): boolean;
    randombytes_buf(buf: Uint8Array): void;
    sodium_memzero(buf: Uint8Array): void;
  };
  export default sodium;
}
