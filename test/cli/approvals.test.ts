import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { administrators, createUser } from "../identity/helpers.ts";
import { startTestNode, type TestNode } from "../support/nodes.ts";

/**
 * `liaison approvals list|approve|reject` decides role grants (and escalated disclosures) through the node's API:
 * the second administrator sees who and which role, and decides; the asking administrator is refused with the
 * node's code, and nothing changes.
 */
describe("liaison approvals (CLI)", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ party: "CA" });
  }, 120_000);
  afterAll(async () => node?.close());

  const roleOf = async (id: string) =>
    (await node.deps.database.db.selectFrom("users").select("role").where("id", "=", id).executeTakeFirstOrThrow())
      .role;

  async function cli(args: string[], token: string) {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    const before = process.exitCode;
    try {
      await main(["node", "liaison", "approvals", ...args, "--node", node.url, "--token", token]);
      return { out: out.join(""), err: err.join(""), failed: process.exitCode === 1 };
    } finally {
      process.exitCode = before;
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  it("lists a pending role grant with who and which role, refuses the asker, and the second administrator decides", async () => {
    const admins = await administrators(node);
    const officer = await createUser(node, { role: "liaison-officer", agency: "ca-rcmp" });
    const asked = await node.api<{ approvalId: string }>(
      "POST",
      `/api/v1/users/${officer.id}/role`,
      { role: "auditor" },
      admins.first.token,
    );
    expect(asked.status).toBe(202);

    const listed = await cli(["list", "--role-grants", "--json"], admins.second.token);
    const items = (JSON.parse(listed.out) as { items: { id: string; input: { role: string; username: string } }[] })
      .items;
    expect(items.find((i) => i.id === asked.body.approvalId)?.input).toMatchObject({
      role: "auditor",
      username: officer.username,
    });

    const own = await cli(["approve", asked.body.approvalId, "--basis", "I asked for it myself."], admins.first.token);
    expect(own.failed).toBe(true);
    expect(own.err).toContain("LIAISON_APPROVALS_SELF_APPROVAL");
    expect(await roleOf(officer.id)).toBe("liaison-officer");

    const approved = await cli(
      ["approve", asked.body.approvalId, "--basis", "Checked against the appointment letter.", "--json"],
      admins.second.token,
    );
    expect(approved.failed).toBe(false);
    expect(JSON.parse(approved.out)).toMatchObject({ id: asked.body.approvalId, status: "approved" });
    expect(await roleOf(officer.id)).toBe("auditor");
  }, 180_000);

  it("reject leaves the role as it was", async () => {
    const admins = await administrators(node);
    const analyst = await createUser(node, { role: "analyst", agency: "ca-rcmp" });
    const asked = await node.api<{ approvalId: string }>(
      "POST",
      `/api/v1/users/${analyst.id}/role`,
      { role: "approver", agency: "ca-rcmp" },
      admins.first.token,
    );
    const rejected = await cli(
      ["reject", asked.body.approvalId, "--basis", "No appointment letter on file.", "--json"],
      admins.second.token,
    );
    expect(JSON.parse(rejected.out)).toMatchObject({ status: "rejected" });
    expect(await roleOf(analyst.id)).toBe("analyst");
  }, 120_000);
});
