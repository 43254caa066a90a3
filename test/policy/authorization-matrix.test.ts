import { describe, expect, it } from "vitest";
import { ROLES, type Role } from "../../src/modules/identity/principal.ts";
import { AccessControl, type Denial } from "../../src/modules/policy/access.ts";
import { ACTIONS, type Action, PolicyService } from "../../src/modules/policy/policy.service.ts";

/**
 * Who may do what, as a table: for each role, the actions it may take on its own party's resources, either for
 * any agency of the party ("party") or only its own agency ("agency"). Everything else is denied, and nothing
 * of the other party is ever in reach.
 */
type Scope = "party" | "agency";
const MAY: Record<Role, Partial<Record<Action, Scope>>> = {
  "liaison-officer": {
    "stats.read": "party",
    "notice.send": "party",
    "notice.read": "party",
    "thread.create": "party",
    "thread.read": "party",
    "message.send": "party",
    "thread.triage": "party",
    "thread.assign": "party",
    search: "party",
    "workplan.read": "party",
    "progress.update": "agency",
    "compliance.evaluate": "party",
    "directory.read": "party",
    "matching.list.create": "agency",
    "matching.list.read": "agency",
  },
  analyst: {
    "stats.read": "party",
    "thread.create": "agency",
    "thread.read": "agency",
    "message.send": "agency",
    search: "agency",
    "workplan.read": "party",
    "progress.update": "agency",
    "compliance.evaluate": "agency",
    "directory.read": "party",
    "matching.list.create": "agency",
    "matching.list.read": "agency",
  },
  approver: {
    "stats.read": "party",
    "thread.read": "agency",
    "approval.read": "agency",
    "approval.decide": "agency",
    "compliance.evaluate": "agency",
    "workplan.read": "party",
    "report.read": "party",
    "report.aca": "party",
    "directory.read": "party",
  },
  "workplan-coordinator": {
    "stats.read": "party",
    "workplan.read": "party",
    "progress.update": "party",
    "proposal.create": "party",
    "proposal.decide": "party",
    "review.manage": "party",
    "report.read": "party",
    "directory.read": "party",
  },
  auditor: {
    "stats.read": "party",
    "audit.read": "party",
    "report.read": "party",
    "report.aca": "party",
    "approval.read": "party",
    "workplan.read": "party",
    "directory.read": "party",
  },
  administrator: {
    "notice.send": "party",
    "notice.read": "party",
    "peer.manage": "party",
    "outbox.manage": "party",
    "envelope.read": "party",
    "user.manage": "party",
    "workplan.seed": "party",
    "audit.read": "party",
    "report.aca": "party",
    "directory.read": "party",
    "precursor.catalogue.add": "party",
  },
};

const WHERE = {
  "own agency": { party: "CA", agency: "ca-rcmp" },
  "other agency": { party: "CA", agency: "ca-cbsa" },
  "other party": { party: "IN", agency: "in-ncb" },
} as const;

const policy = new PolicyService();
const uncached = new PolicyService({ cacheSize: 0 });

const principalFor = (role: Role) => ({
  id: `user-${role}`,
  username: `ca.${role}`,
  role,
  party: "CA",
  ...(role === "administrator" ? {} : { agency: "ca-rcmp" }),
});

const cases = ROLES.flatMap((role) =>
  ACTIONS.flatMap((action) =>
    (Object.keys(WHERE) as (keyof typeof WHERE)[]).map((where) => {
      const scope = MAY[role][action];
      const allowed =
        where === "own agency"
          ? scope !== undefined && (role !== "administrator" || scope === "party")
          : where === "other agency"
            ? scope === "party"
            : false;
      return { role, action, where, allowed };
    }),
  ),
);

describe("authorization matrix: every role x every action x own agency / other agency / other party", () => {
  it.each(cases)("$role $action on $where -> $allowed", ({ role, action, where, allowed }) => {
    const request = {
      principal: principalFor(role),
      action,
      resource: {
        type: action.startsWith("approval.") ? "approval" : "item",
        id: "r-1",
        attributes: { ...WHERE[where], tlp: "TLP:AMBER" },
      },
    };
    const decision = policy.decide(request);
    expect(decision.allowed).toBe(allowed);
    expect(decision.reasons.length).toBeGreaterThan(0);
    if (where === "other party") expect(decision.reasons.map((r) => r.policy)).toContain("party-boundary");
    // The cache must answer exactly as Cedar does.
    expect(uncached.decide(request)).toEqual(decision);
  });

  it("names the deciding policies with their reasons", () => {
    const decision = policy.decide({
      principal: principalFor("analyst"),
      action: "thread.read",
      resource: { type: "thread", id: "t-1", attributes: { party: "CA", agency: "ca-rcmp" } },
    });
    expect(decision).toEqual({
      allowed: true,
      reasons: [
        { policy: "analyst-own-agency-exchange", text: "Analysts work on their own agency's threads and messages." },
      ],
    });
  });

  it("denies by default, with a reason, when no policy permits", () => {
    const decision = policy.decide({
      principal: principalFor("administrator"),
      action: "thread.read",
      resource: { type: "thread", id: "t-1", attributes: { party: "CA", agency: "ca-rcmp" } },
    });
    expect(decision.allowed).toBe(false);
    expect(decision.reasons[0]?.policy).toBe("default-deny");
  });

  it("refuses an unknown action and a resource without a party", () => {
    expect(
      policy.decide({
        principal: principalFor("analyst"),
        action: "thread.delete",
        resource: { type: "t", id: "1", attributes: { party: "CA" } },
      }).allowed,
    ).toBe(false);
    expect(
      policy.decide({
        principal: principalFor("liaison-officer"),
        action: "thread.read",
        resource: { type: "t", id: "1" },
      }).allowed,
    ).toBe(false);
  });
});

describe("handling caveats in access decisions", () => {
  const officer = { id: "u-officer", username: "ca.officer", role: "liaison-officer", party: "CA", agency: "ca-rcmp" };
  const read = (principal: typeof officer, attributes: Record<string, unknown>) =>
    policy.decide({
      principal,
      action: "thread.read",
      resource: { type: "thread", id: "t", attributes: { party: "CA", ...attributes } },
    });

  it.each([
    {
      name: "RED, named by id",
      attrs: { agency: "ca-rcmp", tlp: "TLP:RED", recipients: ["u-officer"] },
      allowed: true,
    },
    {
      name: "RED, named by username",
      attrs: { agency: "ca-rcmp", tlp: "TLP:RED", recipients: ["ca.officer"] },
      allowed: true,
    },
    { name: "RED, not named", attrs: { agency: "ca-rcmp", tlp: "TLP:RED", recipients: ["u-other"] }, allowed: false },
    { name: "RED, no recipients", attrs: { agency: "ca-rcmp", tlp: "TLP:RED" }, allowed: false },
    { name: "AMBER+STRICT, own agency", attrs: { agency: "ca-rcmp", tlp: "TLP:AMBER+STRICT" }, allowed: true },
    {
      name: "AMBER+STRICT, other agency (officer otherwise sees all agencies)",
      attrs: { agency: "ca-cbsa", tlp: "TLP:AMBER+STRICT" },
      allowed: false,
    },
    { name: "AMBER, other agency", attrs: { agency: "ca-cbsa", tlp: "TLP:AMBER" }, allowed: true },
  ])("$name -> $allowed", ({ attrs, allowed }) => {
    expect(read(officer, attrs).allowed).toBe(allowed);
  });

  it("an approver cannot decide its own request (four eyes)", () => {
    const approver = { id: "u-approver", role: "approver", party: "CA", agency: "ca-rcmp" };
    const resource = (requester: string) => ({
      type: "approval",
      id: "a",
      attributes: { party: "CA", agency: "ca-rcmp", requester },
    });
    const own = policy.decide({ principal: approver, action: "approval.decide", resource: resource("u-approver") });
    expect(own.allowed).toBe(false);
    expect(own.reasons.map((r) => r.policy)).toEqual(["approvals-four-eyes"]);
    expect(
      policy.decide({ principal: approver, action: "approval.decide", resource: resource("u-officer") }).allowed,
    ).toBe(true);
  });
});

describe("the one path (AccessControl)", () => {
  const analyst = { id: "u-a", role: "analyst", party: "CA", agency: "ca-rcmp", requestId: "req-1" };
  const other = { type: "thread", id: "t", attributes: { party: "CA", agency: "ca-cbsa" } };
  const denials: Denial[] = [];
  const access = new AccessControl({ decisions: policy, recordDenial: async (d) => void denials.push(d) });

  it("throws LIAISON_POLICY_DENIED with the reasons, after recording the denial with the request id", async () => {
    await expect(access.authorize(analyst, "thread.read", other)).rejects.toMatchObject({
      code: "LIAISON_POLICY_DENIED",
      status: 403,
    });
    expect(denials.at(-1)).toMatchObject({
      action: "thread.read",
      requestId: "req-1",
      code: "LIAISON_POLICY_DENIED",
      resource: { id: "t" },
    });
  });

  it("with hideExistence, throws the same error as not found, and still records the denial", async () => {
    const before = denials.length;
    const options = { hideExistence: { code: "LIAISON_EXCHANGE_THREAD_NOT_FOUND", message: "no thread t" } };
    await expect(access.authorize(analyst, "thread.read", other, options)).rejects.toMatchObject({
      code: "LIAISON_EXCHANGE_THREAD_NOT_FOUND",
      status: 404,
      message: "no thread t",
      details: undefined,
    });
    expect(denials.length).toBe(before + 1);
    const own = { ...other, attributes: { party: "CA", agency: "ca-rcmp" } };
    await expect(access.authorize(analyst, "thread.read", own, options)).resolves.toMatchObject({ allowed: true });
    expect(denials.length).toBe(before + 1);
  });

  it("permits answers without recording anything (rows of a list)", () => {
    const before = denials.length;
    expect(access.permits(analyst, "thread.read", other)).toBe(false);
    expect(denials.length).toBe(before);
  });
});
