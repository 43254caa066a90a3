/**
 * What a server type looks like once it has crossed the wire as JSON: every `Date` the server's schemas hold
 * arrives as its ISO 8601 string (JSON.stringify calls toISOString), everything else as it is.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/**
 * One of several shapes, where a field the shape at hand lacks reads as `undefined` (rather than being a type
 * error): `message.text` is a string on a readable message and undefined on a withdrawn one.
 */
export type OneOf<A, B> = A | (B & { [K in Exclude<keyof A, keyof B>]?: undefined });
