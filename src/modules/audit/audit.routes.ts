import { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import type { App } from "../../http/app.ts";
import { authorize } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import { binaryResponse } from "../../http/response.schema.ts";
import type { PeerDirectory } from "../federation/peers.service.ts";
import type { KeyRing } from "../keys/keys.service.ts";
import {
  AuditAlerts,
  AuditKeys,
  ConsistencyProof,
  ConsistencyQuery,
  EventsPage,
  EventsQuery,
  InclusionProof,
  InclusionQuery,
  LeafStreamQuery,
  LeavesPage,
  LeavesQuery,
  TreeHeadWithWitnesses,
  WitnessedHeads,
  WitnessedQuery,
} from "./audit.schema.ts";
import type { AuditService } from "./audit.service.ts";
import { LEAF_STREAM_MEDIA_TYPE } from "./leaf-stream.ts";

export function auditRoutes(deps: { audit: AuditService; keys: KeyRing; peers: PeerDirectory; party: string }) {
  const { audit } = deps;
  const tags = ["audit"];
  const proofRange = problems({ 400: ["LIAISON_AUDIT_PROOF_RANGE"] });
  // Who reads the log is the policy's call (audit-read: auditors and the administrator); refusals are audited.
  const canRead = (request: FastifyRequest) =>
    authorize(request, "audit.read", { type: "audit-log", id: deps.party, attributes: { party: deps.party } });
  return (app: App) => {
    app.get(
      "/api/v1/audit/tree-head",
      { config: { auth: true }, schema: { tags, response: { 200: TreeHeadWithWitnesses } } },
      async (request) => {
        await canRead(request);
        return audit.treeHeadWithWitnesses();
      },
    );
    app.get(
      "/api/v1/audit/proof/inclusion",
      {
        config: { auth: true },
        schema: { tags, querystring: InclusionQuery, response: { 200: InclusionProof, ...proofRange } },
      },
      async (request) => {
        await canRead(request);
        return audit.inclusionProof(request.query.index, request.query.treeSize);
      },
    );
    app.get(
      "/api/v1/audit/proof/consistency",
      {
        config: { auth: true },
        schema: { tags, querystring: ConsistencyQuery, response: { 200: ConsistencyProof, ...proofRange } },
      },
      async (request) => {
        await canRead(request);
        return audit.consistencyProof(request.query.from, request.query.to);
      },
    );
    app.get(
      "/api/v1/audit/leaves",
      {
        config: { auth: true },
        schema: { tags, querystring: LeavesQuery, response: { 200: LeavesPage, ...proofRange } },
      },
      async (request) => {
        await canRead(request);
        return audit.leaves(request.query.start, request.query.end, request.query.view);
      },
    );
    // The whole log for a verifier: binary records, no JSON or base64 on either side (leaf-stream.ts).
    app.get(
      "/api/v1/audit/leaves/stream",
      {
        config: { auth: true },
        schema: {
          tags,
          querystring: LeafStreamQuery,
          response: { 200: binaryResponse("The leaves as a stream (leaf-stream.ts)", [LEAF_STREAM_MEDIA_TYPE]) },
        },
      },
      async (request, reply) => {
        await canRead(request);
        const { start, end, hashes } = request.query;
        const chunks = await audit.leafStream(start, end, hashes === "recorded");
        return reply.type(LEAF_STREAM_MEDIA_TYPE).send(Readable.from(chunks));
      },
    );
    app.get(
      "/api/v1/audit/events",
      { config: { auth: true }, schema: { tags, querystring: EventsQuery, response: { 200: EventsPage } } },
      async (request) => {
        await canRead(request);
        const q = request.query;
        return audit.events({
          actor: q.actor,
          action: q.action,
          subject: q.subject,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          before: q.before,
          limit: q.limit,
        });
      },
    );
    app.get(
      "/api/v1/audit/alerts",
      { config: { auth: true }, schema: { tags, response: { 200: AuditAlerts } } },
      async (request) => {
        await canRead(request);
        return audit.alerts();
      },
    );
    // This node as a witness: its own record of the peer's heads it countersigned, for an auditor of the peer's
    // log to compare with what the peer shows (`liaison audit verify --peer`). The sizes and times tell how busy
    // the peer was, which the parties do not publish, so it is read as the rest of the log is (audit.read).
    app.get(
      "/api/v1/audit/witnessed",
      { config: { auth: true }, schema: { tags, querystring: WitnessedQuery, response: { 200: WitnessedHeads } } },
      async (request) => {
        await canRead(request);
        return audit.witnessedHeads(request.query.origin, request.query.before, request.query.limit);
      },
    );
    // Keys that verify this log's heads and its witnesses' countersignatures (from the pinned descriptors).
    app.get(
      "/api/v1/audit/keys",
      { config: { auth: true }, schema: { tags, response: { 200: AuditKeys } } },
      async (request) => {
        await canRead(request);
        await deps.peers.reload();
        const sig = <K extends { use?: string }>(keys: K[]) => keys.filter((k) => k.use === "sig");
        return {
          party: deps.party,
          keys: sig(deps.keys.publicJwks() as { kty: string; use?: string }[]),
          peers: deps.peers.list().map((p) => ({ party: p.party, keys: sig(p.descriptor.keys.keys) })),
        };
      },
    );
  };
}
