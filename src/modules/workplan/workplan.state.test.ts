import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../core/canonical-json.ts";
import type { EventChange, WorkplanEvent } from "./workplan.schema.ts";
import { computePlan, type Genesis, type PlanState, planHash, planHashByCanonicalizer } from "./workplan.state.ts";

const genesis: Genesis = {
  agreement: {
    id: "g",
    title: "Test plan",
    parties: ["CA", "IN"],
    agreedOn: "2026-02-07",
    place: "Ottawa",
    basis: "B",
  },
  lanes: { drugs: "Drugs", cyber: "Cyber" },
  initiatives: [
    { id: "a", lane: "drugs", title: "A", objective: "oa", leads: { IN: ["in-ncb"] } },
    { id: "b", lane: "cyber", title: "B", objective: "ob", leads: {} },
  ],
};

let counter = 0;
const fakeUuid = () => `00000000-0000-7000-8000-${(++counter).toString(16).padStart(12, "0")}`;

/** A node in miniature: its own events, a Lamport clock, and what it has heard from the other. */
class Replica {
  readonly events = new Map<string, WorkplanEvent>();
  lamport = 0;
  constructor(readonly party: string) {}
  state(): PlanState {
    return computePlan(genesis, this.events.values());
  }
  make(change: EventChange): WorkplanEvent {
    this.lamport += 1;
    const e = {
      ...change,
      id: fakeUuid(),
      origin: this.party,
      lamport: this.lamport,
      at: "2026-03-01T00:00:00.000Z",
      actor: `u-${this.party}`,
    } as WorkplanEvent;
    this.events.set(e.id, e);
    return e;
  }
  receive(e: WorkplanEvent): void {
    this.lamport = Math.max(this.lamport, e.lamport);
    this.events.set(e.id, e);
  }
}

/** Mulberry32: the delivery schedule is drawn from the property's seed, so a failure replays exactly. */
function rng(seed: number) {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % Math.max(1, n);
  };
}

type Op = [number, number, number, number];

/**
 * Play a random session: each side edits from what it currently sees (valid and, sometimes, forged edits of the
 * other's items), messages are delayed, reordered, duplicated and held back by partitions; at the end the link
 * heals and everything is delivered in a random order, duplicates included.
 */
function play(ops: Op[], seed: number) {
  const pick = rng(seed);
  const nodes = { IN: new Replica("IN"), CA: new Replica("CA") };
  const inFlight: { to: "IN" | "CA"; event: WorkplanEvent }[] = [];
  let partitioned = false;
  const emit = (from: "IN" | "CA", change: EventChange) =>
    inFlight.push({ to: from === "IN" ? "CA" : "IN", event: nodes[from].make(change) });
  for (const [kind, who, x, y] of ops) {
    const party = who % 2 === 0 ? "IN" : "CA";
    const me = nodes[party];
    const state = me.state();
    const initiative = state.initiatives[x % state.initiatives.length];
    const milestones = state.initiatives.flatMap((i) => i.milestones);
    const m = milestones[x % Math.max(1, milestones.length)];
    switch (kind % 9) {
      case 0:
        if (initiative)
          emit(party, {
            kind: "proposal.create",
            initiativeId: initiative.id,
            change: { field: "objective", value: `o${y % 4}` },
          });
        break;
      case 1:
        if (initiative)
          emit(party, {
            kind: "proposal.create",
            initiativeId: initiative.id,
            change: {
              field: "milestone.add",
              value: { title: `m${y}`, dueDate: `2026-0${1 + (y % 9)}-01`, owner: y % 2 ? "IN" : "CA" },
            },
          });
        break;
      case 2: {
        const open = state.proposals.filter((p) => p.status === "proposed" && p.proposer !== party);
        const p = open[x % Math.max(1, open.length)];
        if (p)
          emit(
            party,
            y % 3
              ? { kind: "proposal.accept", proposalId: p.id }
              : { kind: "proposal.reject", proposalId: p.id, reason: "" },
          );
        break;
      }
      case 3:
        if (initiative)
          emit(party, { kind: "progress.add", initiativeId: initiative.id, date: "2026-03-01", note: `n${y}` });
        break;
      case 4: // Owner's edit, or (odd y) a forged edit of the other party's milestone: it must change nothing.
        if (m && (m.owner === party || y % 2))
          emit(party, { kind: "milestone.status", milestoneId: m.id, status: y % 4 ? "done" : "blocked" });
        break;
      case 5:
        if (m)
          emit(party, {
            kind: "proposal.create",
            initiativeId: state.initiatives.find((i) => i.milestones.includes(m))?.id ?? "a",
            change: { field: "milestone.dueDate", milestoneId: m.id, value: `2027-0${1 + (y % 9)}-15` },
          });
        break;
      case 6:
        if (initiative)
          emit(party, {
            kind: "initiative.health",
            initiativeId: initiative.id,
            health: (["red", "amber", "green"] as const)[y % 3] as "red",
          });
        break;
      case 7:
        partitioned = !partitioned;
        break;
      default: {
        // Deliver a few messages out of order; some twice.
        for (let n = 0; n < 1 + (y % 4) && inFlight.length > 0 && !partitioned; n++) {
          const i = pick(inFlight.length);
          const msg = inFlight[i] as (typeof inFlight)[number];
          nodes[msg.to].receive(msg.event);
          if (pick(3) !== 0) inFlight.splice(i, 1);
        }
      }
    }
  }
  const all = [...inFlight];
  while (all.length > 0) {
    const msg = all.splice(pick(all.length), 1)[0] as (typeof all)[number];
    nodes[msg.to].receive(msg.event);
  }
  return nodes;
}

const opsArb = fc.array(fc.tuple(fc.nat(50), fc.nat(3), fc.nat(20), fc.nat(20)), { maxLength: 80 });

describe("workplan state function", () => {
  it("converges: both sides reach the same hash after delays, reordering, duplicates and a healed partition", () => {
    fc.assert(
      fc.property(opsArb, fc.integer(), (ops, seed) => {
        const { IN, CA } = play(ops, seed);
        expect(planHash(IN.state())).toBe(planHash(CA.state()));
        // The fast hash is the RFC 8785 one: the plan's keys are kept in canonical order.
        expect(JSON.stringify(IN.state())).toBe(canonicalJson(IN.state()));
        expect(planHash(CA.state())).toBe(planHashByCanonicalizer(CA.state()));
      }),
      { numRuns: 150 },
    );
  });

  it("is a function of the set of events: any order and any duplication give the same state", () => {
    fc.assert(
      fc.property(opsArb, fc.integer(), fc.integer(), (ops, seed, shuffleSeed) => {
        const events = [...play(ops, seed).IN.events.values()];
        const pick = rng(shuffleSeed);
        const shuffled = [...events, ...events.filter(() => pick(2) === 0)].sort(() => pick(3) - 1);
        expect(planHash(computePlan(genesis, shuffled))).toBe(planHash(computePlan(genesis, events)));
      }),
      { numRuns: 100 },
    );
  });

  it("keeps ownership and agreement rules whatever the interleaving", () => {
    fc.assert(
      fc.property(opsArb, fc.integer(), (ops, seed) => {
        const { IN } = play(ops, seed);
        const events = [...IN.events.values()];
        const state = IN.state();
        for (const i of state.initiatives)
          for (const m of i.milestones) {
            // Only the owner's events can have set the status.
            if (m.status !== "planned")
              expect(
                events.some(
                  (e) =>
                    e.kind === "milestone.status" &&
                    e.milestoneId === m.id &&
                    e.origin === m.owner &&
                    e.status === m.status,
                ),
              ).toBe(true);
          }
        for (const p of state.proposals) {
          if (p.status === "accepted" || p.status === "rejected") expect(p.decidedByParty).not.toBe(p.proposer);
        }
        for (const i of state.initiatives) {
          // An objective other than the genesis one came from an accepted proposal.
          const g = genesis.initiatives.find((x) => x.id === i.id);
          if (g && i.objective !== g.objective)
            expect(
              state.proposals.some(
                (p) => p.status === "accepted" && p.initiativeId === i.id && p.change.field === "objective",
              ),
            ).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("resolves concurrent proposals on one field by the total order: the earlier stays, the later is superseded", () => {
    const india = new Replica("IN");
    const canada = new Replica("CA");
    const p1 = india.make({
      kind: "proposal.create",
      initiativeId: "a",
      change: { field: "objective", value: "from India" },
    });
    const p2 = canada.make({
      kind: "proposal.create",
      initiativeId: "a",
      change: { field: "objective", value: "from Canada" },
    });
    // Both at Lamport 1: CA sorts before IN, so Canada's proposal is the one that stays open.
    india.receive(p2);
    canada.receive(p1);
    const [first, second] = [india.state(), canada.state()].map((s) => s.proposals.map((p) => [p.id, p.status]));
    expect(first).toEqual(second);
    expect(new Map(first as [string, string][]).get(p1.id)).toBe("superseded");
    expect(new Map(first as [string, string][]).get(p2.id)).toBe("proposed");
    // Accepting the superseded one has no effect; accepting the open one does.
    canada.receive(india.make({ kind: "proposal.accept", proposalId: p2.id }));
    india.receive(canada.make({ kind: "proposal.accept", proposalId: p1.id }));
    expect(india.state().initiatives[0]?.objective).toBe("from Canada");
    expect(planHash(india.state())).toBe(planHash(canada.state()));
  });

  it("ignores a forged edit of the other party's milestone and an answer to one's own proposal", () => {
    const india = new Replica("IN");
    const p = india.make({
      kind: "proposal.create",
      initiativeId: "a",
      change: { field: "milestone.add", value: { title: "x", dueDate: "2026-05-01", owner: "IN" } },
    });
    india.make({ kind: "proposal.accept", proposalId: p.id });
    expect(india.state().proposals[0]?.status).toBe("proposed");
    const canada = new Replica("CA");
    canada.receive(p);
    india.receive(canada.make({ kind: "proposal.accept", proposalId: p.id }));
    india.receive(canada.make({ kind: "milestone.status", milestoneId: p.id, status: "done" }));
    expect(india.state().initiatives[0]?.milestones[0]).toMatchObject({ id: p.id, status: "planned" });
  });
});
