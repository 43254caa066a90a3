import { z } from "zod";

/**
 * Building blocks of response schemas. Services hand the routes `Date`s, which the serializer writes as ISO 8601
 * strings: `Instant` says so in the OpenAPI document (string, date-time), and the web client's `Wire<T>` type
 * (web/src/api/wire.ts) turns each `Date` of an inferred type into the `string` the browser receives.
 */
export const Instant = z.date();

/** A list answer: `{ items: [...] }`, the shape of every list route. */
export function itemsOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

/** A body that is not JSON (a file, a PDF, a stream): the OpenAPI document says binary, the route sends bytes. */
export function binaryResponse(description: string, contentTypes: readonly string[] = ["application/octet-stream"]) {
  const schema = z.any().meta({ type: "string", format: "binary" });
  return { description, content: Object.fromEntries(contentTypes.map((type) => [type, { schema }])) };
}

/** A 204: no body (the contract test accepts it without a schema). */
export const noContent = z.undefined().describe("No content");
