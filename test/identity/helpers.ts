import { timeStepAt, totpCode } from "../../src/modules/identity/totp.ts";
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

type LoginBody = {
  token: string;
  csrfToken: string;
  code?: string;
  detail?: string;
  user?: unknown;
  challenge?: string;
  mustEnrolSecondFactor?: boolean;
};

/** The password step alone, as the login page sends it: a session (200) or a second-factor challenge (202). */
export async function passwordStep(node: TestNode, username: string, password: string, ip = randomIp()) {
  const response = await node.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { username, password },
    remoteAddress: ip,
  });
  return {
    status: response.statusCode,
    body: response.json() as LoginBody,
    cookies: response.cookies,
    headers: response.headers,
  };
}

/** What the tests' "phone" knows of each account's second factor: its secret and the last time step it used. */
interface Authenticator {
  secret: string;
  lastStep: number;
  recoveryCodes: string[];
}
const phones = new WeakMap<TestNode, Map<string, Authenticator>>();
export function phoneOf(node: TestNode, username: string): Authenticator | undefined {
  return phones.get(node)?.get(username);
}

/**
 * A code the node will take now: the current step's, or the next one's when the current step was used already
 * (the window accepts one step either side); past that, a recovery code. Computed at the node's clock.
 */
export function nextCode(node: TestNode, username: string): { code: string } | { recoveryCode: string } {
  const phone = phoneOf(node, username);
  if (!phone) throw new Error(`${username} has no second factor enrolled by the test helpers`);
  const now = timeStepAt(node.deps.clock.now());
  const step = Math.max(now - 1, phone.lastStep + 1);
  if (step > now + 1) {
    const recoveryCode = phone.recoveryCodes.shift();
    if (!recoveryCode) throw new Error(`${username} has used every recovery code`);
    return { recoveryCode };
  }
  phone.lastStep = step;
  return { code: totpCode(phone.secret, new Date(step * 30_000)) };
}

/** Enrol the signed-in user's second factor (start and confirm), remembering it for later sign-ins. */
export async function enrolSecondFactor(node: TestNode, username: string, token: string) {
  const started = await node.api<{ secret: string }>("POST", "/api/v1/auth/totp/enrolment", undefined, token);
  if (started.status !== 201) throw new Error(`enrolment not started: ${JSON.stringify(started.body)}`);
  const step = timeStepAt(node.deps.clock.now());
  const code = totpCode(started.body.secret, node.deps.clock.now());
  const confirmed = await node.api<{ recoveryCodes: string[] }>(
    "POST",
    "/api/v1/auth/totp/enrolment/confirm",
    { code },
    token,
  );
  if (confirmed.status !== 200) throw new Error(`enrolment not confirmed: ${JSON.stringify(confirmed.body)}`);
  const byUser = phones.get(node) ?? new Map<string, Authenticator>();
  phones.set(node, byUser);
  const phone = { secret: started.body.secret, lastStep: step, recoveryCodes: [...confirmed.body.recoveryCodes] };
  byUser.set(username, phone);
  return phone;
}

/**
 * A complete sign-in, as a user would: the password, then the code when the account has a second factor, or
 * the enrolment first when the user's role requires one and the account has none yet.
 */
export async function login(node: TestNode, username: string, password: string, ip = randomIp()) {
  const first = await passwordStep(node, username, password, ip);
  if (first.status === 200 && first.body.mustEnrolSecondFactor) {
    await enrolSecondFactor(node, username, first.body.token);
    return { ...first, body: { ...first.body, mustEnrolSecondFactor: false } };
  }
  if (first.status !== 202 || !first.body.challenge) return first;
  const response = await node.app.inject({
    method: "POST",
    url: "/api/v1/auth/login/second-factor",
    payload: { challenge: first.body.challenge, ...nextCode(node, username) },
    remoteAddress: ip,
  });
  return {
    status: response.statusCode,
    body: response.json() as LoginBody,
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

/** The audit leaves of an action (and subject), decoded: what an auditor reads. */
export async function auditRecords(node: TestNode, action: string, subject?: string) {
  await node.deps.audit.sequenceQueued();
  let query = node.deps.database.db.selectFrom("audit_leaves").select("data").where("action", "=", action);
  if (subject) query = query.where("subject", "=", subject);
  const rows = await query.orderBy("index").execute();
  return rows.map((r) => JSON.parse(Buffer.from(r.data).toString("utf8")) as Record<string, unknown>);
}
