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
