import { createUser, login } from "../identity/helpers.ts";
import type { TestNode } from "../support/nodes.ts";

export type Thread = {
  id: string;
  subject: string;
  lane: string;
  priority: string;
  direction: string;
  assignedAgency: string | null;
  assignee: string | null;
  deadlines: {
    acknowledgeBy: string | null;
    respondBy: string | null;
    acknowledgedAt: string | null;
    respondedAt: string | null;
  };
  messages: Message[];
};
export type Message = {
  id: string;
  kind: string;
  status: string;
  text?: string;
  envelopeId?: string | null;
  decision?: { decision: string; reasons: { policy: string; text: string }[] } | null;
  approvalId?: string | null;
  withdrawnAt?: string | null;
  withdrawalConfirmedAt?: string | null;
  attachments?: { id: string; name: string; sha256: string; size: number }[];
  entities?: unknown[];
  consentGranted?: boolean | null;
  responseType?: string | null;
  refusalReason?: string | null;
  refusalCode?: string | null;
};

export interface Actor {
  id: string;
  username: string;
  token: string;
}

/** A user of the given role and agency on a node, logged in. */
export async function actor(node: TestNode, role: string, agency?: string): Promise<Actor> {
  const user = await createUser(node, { role, ...(agency ? { agency } : {}) });
  const session = await login(node, user.username, user.password);
  if (session.status !== 200) throw new Error(`login failed: ${JSON.stringify(session.body)}`);
  return { id: user.id, username: user.username, token: session.body.token };
}

/** A request India's pack allows: a basis of India, H1 carried, no personal data. */
export function allowedMessage(overrides: Record<string, unknown> = {}) {
  return {
    kind: "request",
    text: "Request for information on a consignment of NPP declared as industrial solvent.",
    priority: "high",
    tlp: "TLP:AMBER",
    permittedUse: ["H0", "H1"],
    legalBases: ["BI-WORKPLAN-2026"],
    personalData: false,
    ...overrides,
  };
}

export function newThread(overrides: Record<string, unknown> = {}, message: Record<string, unknown> = {}) {
  return {
    lane: "drugs",
    subject: `Precursor consignment ${Math.random().toString(36).slice(2, 8)}`,
    to: "CA",
    toAgency: "ca-rcmp",
    message: allowedMessage(message),
    ...overrides,
  };
}

export async function countRows(
  node: TestNode,
  table: "exchange_threads" | "exchange_messages" | "exchange_attachments",
) {
  const row = await node.deps.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Exchange envelopes in the outbox; other modules (audit tree heads, directory) send on their own timers. */
export async function outboxCount(node: TestNode) {
  const row = await node.deps.database.db
    .selectFrom("outbox")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("type", "like", "exchange.%")
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
