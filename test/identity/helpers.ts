import type { TestNode } from "../support/nodes.ts";

export const STRONG_PASSWORD = "Correct-Horse-42-battery";

export function uniqueName(prefix = "u"): string {
  return `${prefix}.${Math.random().toString(36).slice(2, 10)}`;
}

/** A client address of its own, so per-address login limits of one test do not touch another's. */
export function randomIp(): string {
  const octet = () => 1 + Math.floor(Math.random() * 250);
  return `10.${octet()}.${octet()}.${octet()}`;
}

/** Roles whose grant takes a second administrator's approval (users.service.ts FOUR_EYES_ROLES). */
const FOUR_EYES = new Set(["approver", "auditor", "administrator"]);

export interface Administrators {
  /** The node's first two administrator accounts (granted at once, as the bootstrap allows), logged in. */
  first: { id: string; token: string };
  second: { id: string; token: string };
}
const administratorsOf = new WeakMap<TestNode, Promise<Administrators>>();

/**
 * Two administrator accounts of the node, created once per node with the bootstrap token: the first two are
 * granted at once (docs/identity.md), so call this before a test makes administrators of its own.
 */
export function administrators(node: TestNode): Promise<Administrators> {
  let found = administratorsOf.get(node);
  if (!found) {
    found = (async () => {
      const one = async () => {
        const username = uniqueName(`${node.deps.config.party.toLowerCase()}.admin`);
        const response = await node.api<{ id: string; status: string }>("POST", "/api/v1/users", {
          username,
          role: "administrator",
          password: STRONG_PASSWORD,
        });
        if (response.status !== 201) throw new Error(`administrator not granted: ${JSON.stringify(response.body)}`);
        const session = await login(node, username, STRONG_PASSWORD);
        return { id: response.body.id, token: session.body.token };
      };
      return { first: await one(), second: await one() };
    })();
    administratorsOf.set(node, found);
  }
  return found;
}

/** Approve a pending role grant as the node's second administrator (the first asked). */
export async function approveGrant(node: TestNode, approvalId: string, token?: string) {
  const admins = await administrators(node);
  const decided = await node.api<{ status: string }>(
    "POST",
    `/api/v1/approvals/${approvalId}/decision`,
    { approve: true, basis: "Second administrator: grant checked against the appointment letter." },
    token ?? admins.second.token,
  );
  if (decided.status !== 200) throw new Error(`grant not approved: ${JSON.stringify(decided.body)}`);
}

/**
 * A user of this node. An approver, auditor or administrator is asked for by the node's first administrator
 * account and approved by the second, as four eyes on roles requires.
 */
export async function createUser(
  node: TestNode,
  fields: { role?: string; agency?: string; password?: string; username?: string; lanes?: string[] } = {},
) {
  const username = fields.username ?? uniqueName(node.deps.config.party.toLowerCase());
  const body = {
    username,
    role: fields.role ?? "liaison-officer",
    ...(fields.agency !== undefined || fields.role === undefined
      ? { agency: fields.agency ?? defaultAgency(node) }
      : {}),
    ...(fields.lanes ? { lanes: fields.lanes } : {}),
    password: fields.password ?? STRONG_PASSWORD,
    displayName: `Test ${username}`,
  };
  if (FOUR_EYES.has(body.role)) {
    const admins = await administrators(node);
    const response = await node.api<{ id: string; username: string; approvalId: string }>(
      "POST",
      "/api/v1/users",
      body,
      admins.first.token,
    );
    if (response.status !== 202) throw new Error(`user not requested: ${JSON.stringify(response.body)}`);
    await approveGrant(node, response.body.approvalId);
    return { id: response.body.id, username: response.body.username, password: body.password };
  }
  const response = await node.api<{ id: string; username: string }>("POST", "/api/v1/users", body);
  if (response.status !== 201) throw new Error(`user not created: ${JSON.stringify(response.body)}`);
  return { ...response.body, password: body.password };
}

export function defaultAgency(node: TestNode): string {
  return node.deps.config.party === "IN" ? "in-ncb" : "ca-rcmp";
}

export async function login(node: TestNode, username: string, password: string, ip = randomIp()) {
  const response = await node.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { username, password },
    remoteAddress: ip,
  });
  return {
    status: response.statusCode,
    body: response.json() as { token: string; csrfToken: string; code?: string; detail?: string; user?: unknown },
    cookies: response.cookies,
    headers: response.headers,
  };
}

/** Audit records of an action: from the Merkle log's leaves, or the older event table where that is absent. */
export async function auditCount(node: TestNode, action: string, subject?: string): Promise<number> {
  await node.deps.audit.sequenceQueued();
  const db = node.deps.database.db;
  const count = async (table: "audit_leaves" | "audit_events") => {
    let query = db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("action", "=", action);
    if (subject) query = query.where("subject", "=", subject);
    return Number((await query.executeTakeFirstOrThrow()).count);
  };
  const tables = await db.introspection.getTables();
  return count(tables.some((t) => t.name === "audit_leaves") ? "audit_leaves" : "audit_events");
}
