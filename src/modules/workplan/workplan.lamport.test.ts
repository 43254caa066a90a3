import { describe, expect, it } from "vitest";
import { checkPeerClock, eventTarget, type KnownProposal, MAX_LAMPORT_LEAD } from "./workplan.lamport.ts";
import type { WorkplanEvent } from "./workplan.schema.ts";

const meta = (lamport: number, id = "01a00000-0000-7000-8000-000000000001") => ({
  id,
  origin: "CA",
  lamport,
  at: "2026-03-01T00:00:00.000Z",
  actor: "ca",
});
const proposal: KnownProposal = { id: "p1", origin: "IN", lamport: 10, target: "initiative:cyber:objective" };
const proposals = new Map([[proposal.id, proposal]]);
const accept = (lamport: number) => ({ ...meta(lamport), kind: "proposal.accept", proposalId: "p1" }) as WorkplanEvent;
const progress = (lamport: number) =>
  ({ ...meta(lamport), kind: "progress.add", initiativeId: "cyber", date: "2026-03-01", note: "n" }) as WorkplanEvent;
const codeOf = (events: WorkplanEvent[], facts: Partial<Parameters<typeof checkPeerClock>[1]> = {}) => {
  try {
    checkPeerClock(events, { clock: 20, shown: new Map(), proposals, ...facts });
    return "ok";
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe("a peer's Lamport values", () => {
  it("answers take their proposal's target", () => {
    expect(eventTarget(accept(11), proposals)).toBe("initiative:cyber:objective");
  });

  it.each([
    ["an answer above its proposal", [accept(11)], {}, "ok"],
    ["an answer at its proposal's value", [accept(10)], {}, "LIAISON_WORKPLAN_ANSWER_BEFORE_PROPOSAL"],
    [
      "an answer not above the author's last on the target",
      [accept(12)],
      { shown: new Map([["initiative:cyber:objective", 12]]) },
      "LIAISON_WORKPLAN_LAMPORT_NOT_ABOVE",
    ],
    [
      "two events of one target that do not rise",
      [progress(15), progress(15)],
      {},
      "LIAISON_WORKPLAN_LAMPORT_NOT_ABOVE",
    ],
    ["two events of one target that rise", [progress(15), progress(16)], {}, "ok"],
    ["the largest lead allowed", [progress(20 + MAX_LAMPORT_LEAD)], {}, "ok"],
    ["one more", [progress(21 + MAX_LAMPORT_LEAD)], {}, "LIAISON_WORKPLAN_LAMPORT_TOO_FAR"],
    ["2^53-1", [progress(Number.MAX_SAFE_INTEGER)], {}, "LIAISON_WORKPLAN_LAMPORT_TOO_FAR"],
    [
      "an answer to an unknown proposal",
      [{ ...accept(11), proposalId: "nope" } as WorkplanEvent],
      {},
      "LIAISON_WORKPLAN_PROPOSAL_NOT_FOUND",
    ],
    [
      "an answer to one's own proposal",
      [accept(11)],
      { proposals: new Map([["p1", { ...proposal, origin: "CA" }]]) },
      "LIAISON_WORKPLAN_OWN_PROPOSAL",
    ],
  ] as const)("%s", (_, events, facts, code) => {
    expect(codeOf([...events], facts)).toBe(code);
  });
});
