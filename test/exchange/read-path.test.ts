import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/core/ids.ts";
import { insertThread } from "../../src/modules/exchange/exchange.repository.ts";
import type { Principal } from "../../src/modules/identity/principal.ts";
import { administrators } from "../identity/helpers.ts";
import { denialsOf } from "../policy/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";
import { type Actor, actor } from "./helpers.ts";

/**
 * Notifications and statistics through the one authorization path (issue 13): asking is authorized by Cedar and
 * a refusal is audited with the request id; a notification names its thread's subject, so it is listed only
 * while its reader may read the thread. Tried as an attacker would: another agency's user, a principal without
 * an agency, another party's token, a forged token, and a forged principal reaching the service.
 */
describe("notifications and statistics on the one path (attacker tests)", () => {
  let node: TestNode;
  let officer: Actor;
  let rcmpAnalyst: Actor;
  let cbsaAnalyst: Actor;
  let india: TestNode;
  let indiaOfficer: Actor;

  beforeAll(async () => {
    [node, india] = await Promise.all([startTestNode({ party: "CA" }), startTestNode({ party: "IN" })]);
    officer = await actor(node, "liaison-officer", "ca-rcmp");
    rcmpAnalyst = await actor(node, "analyst", "ca-rcmp");
    cbsaAnalyst = await actor(node, "analyst", "ca-cbsa");
    indiaOfficer = await actor(india, "liaison-officer", "in-ncb");
  }, 300_000);
  afterAll(async () => Promise.all([node?.close(), india?.close()]));

  type Notification = { threadId: string; text: string };
  const notificationsOf = async (token: string) =>
    node.api<{ items: Notification[] }>("GET", "/api/v1/notifications", undefined, token);

  /** An inbound thread as the inbox writes it, not yet routed. */
  async function inboundThread() {
    const now = new Date();
    const id = uuidv7();
    await insertThread(node.deps.database.db, {
      id,
      lane: "drugs",
      subject: `Read path ${id.slice(-6)}`,
      direction: "inbound",
      peer_party: "IN",
      from_agency: "in-ncb",
      to_agency: null,
      assigned_agency: null,
      assignee: null,
      priority: "routine",
      started_at: now,
      acknowledge_by: null,
      respond_by: null,
      acknowledged_at: null,
      responded_at: null,
      created_by: null,
      created_at: now,
      last_message_at: now,
    });
    return id;
  }

  it("a notification leaves the list of a reader who may no longer read its thread", async () => {
    const id = await inboundThread();
    const assign = (agency: string, assignee?: string) =>
      node.api("POST", `/api/v1/threads/${id}/assign`, { agency, ...(assignee ? { assignee } : {}) }, officer.token);
    expect((await assign("ca-rcmp", rcmpAnalyst.id)).status).toBe(200);
    const mine = await notificationsOf(rcmpAnalyst.token);
    expect(mine.body.items.map((n) => n.threadId)).toContain(id);
    // Rerouted to another agency: the RCMP analyst no longer reads the thread, so neither its subject.
    expect((await assign("ca-cbsa")).status).toBe(200);
    const after = await notificationsOf(rcmpAnalyst.token);
    expect(after.status).toBe(200);
    expect(after.body.items.map((n) => n.threadId)).not.toContain(id);
    expect(JSON.stringify(after.body)).not.toContain(`Read path ${id.slice(-6)}`);
    // The other agency's analyst never had it: notifications are the recipient's, whoever may read the thread.
    const theirs = await notificationsOf(cbsaAnalyst.token);
    expect(theirs.body.items.map((n) => n.threadId)).not.toContain(id);
  });

  it("a principal without an agency is refused notifications and statistics, audited with the request id", async () => {
    const { first } = await administrators(node);
    for (const path of ["/api/v1/notifications", "/api/v1/exchange/stats"]) {
      const refused = await node.api<{ code: string; requestId: string }>("GET", path, undefined, first.token);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("LIAISON_POLICY_DENIED");
      const denials = await denialsOf(node, refused.body.requestId);
      expect(denials).toHaveLength(1);
      expect(denials[0]?.actor).toBe(first.id);
    }
  }, 180_000);

  it("another party's token and a forged token are not principals here", async () => {
    for (const token of [indiaOfficer.token, `${officer.token.slice(0, -4)}AAAA`, "forged.token.value"]) {
      for (const path of ["/api/v1/notifications", "/api/v1/exchange/stats"]) {
        const refused = await node.api<{ code: string }>("GET", path, undefined, token);
        expect(refused.status).toBe(401);
        expect(refused.body.code).toMatch(/^LIAISON_AUTH_/);
      }
    }
  });

  it("a forged principal of another party that reached the service is refused by the party boundary, audited", async () => {
    const requestId = `forged-${uuidv7()}`;
    const forged: Principal = {
      id: officer.id,
      username: officer.username,
      role: "liaison-officer",
      party: "IN",
      agency: "ca-rcmp",
      requestId,
    };
    const { exchange } = node.deps;
    await expect(exchange.threads.notifications(forged)).rejects.toMatchObject({ code: "LIAISON_POLICY_DENIED" });
    await expect(
      import("../../src/modules/exchange/exchange.stats.ts").then((m) => m.statsFor(exchange.service, forged)),
    ).rejects.toMatchObject({ code: "LIAISON_POLICY_DENIED" });
    const denials = await denialsOf(node, requestId);
    expect(denials).toHaveLength(2);
    for (const denial of denials) expect(denial.reasons?.map((r) => r.policy)).toContain("party-boundary");
  });

  it("agency users read statistics: counts only", async () => {
    for (const a of [officer, rcmpAnalyst, cbsaAnalyst]) {
      const stats = await node.api<{ items: unknown[] }>("GET", "/api/v1/exchange/stats", undefined, a.token);
      expect(stats.status).toBe(200);
      expect(Array.isArray(stats.body.items)).toBe(true);
    }
  });
});
