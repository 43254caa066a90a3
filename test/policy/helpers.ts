import type { TestNode } from "../support/nodes.ts";

export interface AuditedEvent {
  actor: string;
  action: string;
  subject?: string | null;
  outcome: string;
  requestId?: string | null;
  reasons?: { policy: string; text: string }[];
  details?: Record<string, unknown>;
}

/** The audit records (Merkle leaves, as signed) of one action, oldest first; optionally of one actor. */
export async function auditedEvents(node: TestNode, action: string, actor?: string): Promise<AuditedEvent[]> {
  await node.deps.audit.sequenceQueued();
  let query = node.deps.database.db
    .selectFrom("audit_leaves")
    .select(["data"])
    .where("action", "=", action)
    .orderBy("index");
  if (actor) query = query.where("actor", "=", actor);
  const rows = await query.execute();
  return rows.map((r) => JSON.parse(Buffer.from(r.data).toString("utf8")) as AuditedEvent);
}

/** The denials recorded for one request: what the one authorization path wrote before it answered. */
export async function denialsOf(node: TestNode, requestId: string): Promise<AuditedEvent[]> {
  await node.deps.audit.sequenceQueued();
  const rows = await node.deps.database.db
    .selectFrom("audit_leaves")
    .select(["data"])
    .where("outcome", "=", "denied")
    .orderBy("index")
    .execute();
  return rows
    .map((r) => JSON.parse(Buffer.from(r.data).toString("utf8")) as AuditedEvent)
    .filter((e) => e.requestId === requestId);
}
