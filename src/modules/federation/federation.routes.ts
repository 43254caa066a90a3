import rateLimit from "@fastify/rate-limit";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { NodeConfig } from "../../config/config.schema.ts";
import { LiaisonError } from "../../core/errors.ts";
import type { App } from "../../http/app.ts";
import { authorizeNodeOperation } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import { Kid } from "../keys/keys.schema.ts";
import type { FederationClient } from "./federation.client.ts";
import {
  Descriptor,
  EnvelopeBatchRequest,
  EnvelopeBatchResponse,
  EnvelopeRecord,
  OutboxList,
  PeerList,
  RetryResult,
} from "./federation.schema.ts";
import type { FederationService } from "./federation.service.ts";
import { inboxRateLimit } from "./inbox.rate-limit.ts";
import type { InboxService } from "./inbox.service.ts";
import { fetchPeerDescriptor } from "./peers.fetch.ts";

/** Key ids as `liaison keys show` prints them (`fingerprints`). */
const Fingerprints = z.array(Kid).min(1).max(64);

export interface FederationRoutesDeps {
  federation: FederationService;
  inbox: InboxService;
  client: FederationClient;
  mode: NodeConfig["mode"];
  maxBodyBytes: number;
  maxBatchEnvelopes: number;
  /** Requests per minute per client address that has not proved itself a peer's (inbox.rate-limit.ts). */
  unauthenticatedRatePerMinute: number;
}

export function federationRoutes(deps: FederationRoutesDeps) {
  return async (app: App) => {
    app.get(
      "/federation/v1/descriptor",
      { schema: { tags: ["federation"], response: { 200: Descriptor } } },
      async () => deps.federation.descriptor(),
    );

    // Unauthenticated at the HTTP level on purpose: every envelope proves its sender by its signature, and
    // mutual TLS (when configured) guards the transport. In its own scope, so its per-address rate limit of
    // unauthenticated traffic applies to it alone.
    await app.register(async (plain) => {
      const scope = plain.withTypeProvider<ZodTypeProvider>();
      await scope.register(rateLimit, { global: false });
      scope.post(
        "/federation/v1/envelopes",
        {
          bodyLimit: deps.maxBodyBytes,
          schema: {
            tags: ["federation"],
            body: EnvelopeBatchRequest,
            response: {
              200: EnvelopeBatchResponse,
              ...problems({
                413: ["LIAISON_FEDERATION_BATCH_TOO_LARGE", "LIAISON_REQUEST_TOO_LARGE"],
                429: ["LIAISON_FEDERATION_INBOX_RATE_LIMITED"],
              }),
            },
          },
          config: {
            rateLimit: inboxRateLimit(deps.unauthenticatedRatePerMinute, deps.inbox.trustedAddresses, () =>
              deps.inbox.countRateLimited(),
            ),
          },
        },
        async (request) => {
          if (request.body.envelopes.length > deps.maxBatchEnvelopes) {
            throw new LiaisonError(
              "LIAISON_FEDERATION_BATCH_TOO_LARGE",
              413,
              `a batch may hold at most ${deps.maxBatchEnvelopes} envelopes`,
            );
          }
          const results = await deps.inbox.receiveBatch(request.body.envelopes, String(request.id), request.ip);
          return { results };
        },
      );
    });

    app.get(
      "/api/v1/federation/envelopes/:envelopeId",
      {
        config: { auth: true },
        schema: {
          tags: ["federation"],
          params: z.object({ envelopeId: z.uuid() }),
          response: { 200: EnvelopeRecord, ...problems({ 404: ["LIAISON_FEDERATION_ENVELOPE_NOT_FOUND"] }) },
        },
      },
      async (request) => {
        await authorizeNodeOperation(request, "envelope.read");
        return deps.federation.envelope(request.params.envelopeId);
      },
    );

    app.get(
      "/api/v1/federation/peers",
      { config: { auth: true }, schema: { tags: ["federation"], response: { 200: PeerList } } },
      async (request) => {
        await authorizeNodeOperation(request, "peer.manage");
        return { items: await deps.federation.listPeers() };
      },
    );

    app.post(
      "/api/v1/federation/peers",
      {
        config: { auth: true },
        schema: {
          tags: ["federation"],
          // A fetched descriptor is pinned only against fingerprints given out of band; a descriptor the
          // operator hands over is checked against them when they are given.
          body: z.union([
            z.object({ descriptor: z.record(z.string(), z.unknown()), fingerprints: Fingerprints.optional() }),
            z.object({ url: z.url(), fingerprints: Fingerprints.optional() }),
          ]),
          response: {
            201: Descriptor,
            ...problems({
              400: [
                "LIAISON_FEDERATION_FINGERPRINT_REQUIRED",
                "LIAISON_FEDERATION_FINGERPRINT_MISMATCH",
                "LIAISON_FEDERATION_DESCRIPTOR_INVALID",
                "LIAISON_FEDERATION_DESCRIPTOR_UNREACHABLE",
              ],
            }),
          },
        },
      },
      async (request, reply) => {
        const principal = await authorizeNodeOperation(request, "peer.manage");
        const body = request.body;
        if ("url" in body && !body.fingerprints) {
          throw new LiaisonError(
            "LIAISON_FEDERATION_FINGERPRINT_REQUIRED",
            400,
            "pinning a fetched descriptor needs the peer's key ids, read out of band (`fingerprints`)",
          );
        }
        const descriptor =
          "descriptor" in body ? body.descriptor : await fetchPeerDescriptor(deps.client, deps.mode, body.url);
        const pinned = await deps.federation.pinPeer(
          descriptor,
          { id: principal.id, requestId: String(request.id) },
          { fingerprints: body.fingerprints },
        );
        return reply.status(201).send(pinned);
      },
    );

    app.get(
      "/api/v1/federation/outbox",
      {
        config: { auth: true },
        schema: {
          tags: ["federation"],
          querystring: z.object({
            status: z.enum(["pending", "delivered", "dead"]).default("pending"),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
          response: { 200: OutboxList },
        },
      },
      async (request) => {
        await authorizeNodeOperation(request, "outbox.manage");
        return { items: await deps.federation.listOutbox(request.query.status, request.query.limit) };
      },
    );

    app.post(
      "/api/v1/federation/outbox/retry",
      {
        config: { auth: true },
        schema: {
          tags: ["federation"],
          body: z.union([z.object({ envelopeIds: z.array(z.uuid()).min(1) }), z.object({ all: z.literal(true) })]),
          response: { 200: RetryResult },
        },
      },
      async (request) => {
        const principal = await authorizeNodeOperation(request, "outbox.manage");
        const ids = "all" in request.body ? ("all" as const) : request.body.envelopeIds;
        const retried = await deps.federation.retryDeadLetters(ids, {
          id: principal.id,
          requestId: String(request.id),
        });
        return { retried };
      },
    );
  };
}
