/**
 * Notices pass the compliance gate (issue 13): they are sent by a liaison officer of an agency, with a legal basis.
 * Federation tests that only need traffic send them through here: one officer per node, made on first use.
 */
interface ApiNode {
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
}

const AGENCY: Record<string, string> = { IN: "in-ncb", CA: "ca-rcmp" };
const PASSWORD = "Correct-Horse-42-battery";
const tokens = new WeakMap<ApiNode, Promise<string>>();

async function makeOfficer(node: ApiNode, party: string): Promise<string> {
  const username = `notices-${party.toLowerCase()}-${Math.random().toString(36).slice(2, 10)}`;
  const created = await node.api("POST", "/api/v1/users", {
    username,
    role: "liaison-officer",
    agency: AGENCY[party],
    password: PASSWORD,
    displayName: `Notices ${party}`,
  });
  if (created.status !== 201) throw new Error(`notice officer not created: ${JSON.stringify(created.body)}`);
  const session = await node.api<{ token: string }>("POST", "/api/v1/auth/login", { username, password: PASSWORD });
  if (session.status !== 200) throw new Error(`notice officer login failed: ${JSON.stringify(session.body)}`);
  return session.body.token;
}

/** A token of a liaison officer of the node's party (made once per node object). */
export function noticeOfficerToken(node: ApiNode, party = "IN"): Promise<string> {
  let token = tokens.get(node);
  if (!token) {
    token = makeOfficer(node, party);
    tokens.set(node, token);
  }
  return token;
}

/** Send a notice the sender's pack allows: a basis of both parties, H1 carried, no personal data. */
export async function sendNotice<T = { id: string; envelopeId: string }>(
  node: ApiNode,
  text: string,
  options: { from?: string; to?: string } = {},
) {
  const token = await noticeOfficerToken(node, options.from ?? "IN");
  return node.api<T>(
    "POST",
    "/api/v1/notices",
    { to: options.to ?? "CA", text, legalBases: ["BI-WORKPLAN-2026"] },
    token,
  );
}
