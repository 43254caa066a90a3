import type { App } from "../../http/app.ts";
import { authorizeNodeOperation } from "../../http/guards.ts";
import type { KeyRevocationService } from "./keys.revocation.ts";
import { RevokeKeyRequest, RevokeKeyResponse } from "./keys.schema.ts";

export function keysRoutes(revocations: KeyRevocationService) {
  return (app: App) => {
    // Revoking a key decides what the peers trust, so it is the peer-management operation of the node.
    app.post(
      "/api/v1/keys/revocations",
      {
        config: { auth: true },
        schema: { tags: ["keys"], body: RevokeKeyRequest, response: { 201: RevokeKeyResponse } },
      },
      async (request, reply) => {
        const principal = await authorizeNodeOperation(request, "peer.manage");
        const result = await revocations.revoke(request.body.kid, {
          id: principal.id,
          requestId: String(request.id),
        });
        return reply.status(201).send(result);
      },
    );
  };
}
