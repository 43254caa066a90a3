import type { z } from "zod";
import type { EnvelopePayload } from "../../core/envelope.ts";
import type { ChangeContext } from "../../db/changes.ts";

/** What a handler learns about an accepted envelope besides its payload. */
export interface InboundEnvelope<Body> {
  payload: EnvelopePayload & { body: Body };
  digest: string;
  receivedAt: Date;
}

/**
 * A module's handler for one envelope type. It runs inside the inbox transaction that stores the envelope, so
 * the domain rows, the inbox row, the receipt and the audit record commit together or not at all. It may also
 * `send` envelopes back (a countersignature, a confirmation) through the same transaction.
 */
export interface EnvelopeHandler<Schema extends z.ZodType = z.ZodType> {
  type: string;
  versions: readonly number[];
  body: Schema;
  handle(change: ChangeContext, envelope: InboundEnvelope<z.infer<Schema>>): Promise<void>;
  /**
   * Optional: handle several envelopes of this type from one batch at once (one multi-row insert instead of one
   * per envelope). Same contract as `handle`, applied to each; the inbox uses it when present.
   */
  handleMany?(change: ChangeContext, envelopes: InboundEnvelope<z.infer<Schema>>[]): Promise<void>;
  /**
   * Optional: the body as the inbox keeps it at rest, when the module stores part of it more carefully itself
   * (the exchange keeps attachments encrypted in its own table, so the inbox copy drops their bytes). Without it
   * the inbox keeps the whole decrypted body.
   */
  atRest?(body: z.infer<Schema>): unknown;
}

export class EnvelopeHandlers {
  private readonly handlers = new Map<string, EnvelopeHandler>();

  register<S extends z.ZodType>(handler: EnvelopeHandler<S>): void {
    if (this.handlers.has(handler.type)) throw new Error(`a handler for ${handler.type} is already registered`);
    this.handlers.set(handler.type, handler as unknown as EnvelopeHandler);
  }

  get(type: string): EnvelopeHandler | undefined {
    return this.handlers.get(type);
  }
}
