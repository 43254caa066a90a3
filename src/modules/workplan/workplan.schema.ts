import { z } from "zod";
import { PartyCode } from "../../core/party.ts";

const Text = (max: number) => z.string().trim().min(1, "must not be empty").max(max);
export const IsoDate = z.iso.date();
export const ItemId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "ids are lower-case letters, digits and dashes (at most 64)");
/** Milestones, reviews and action items take uuids; seeded initiatives keep their readable ids. */
const AnyId = z.union([z.uuid(), ItemId]);

export const INITIATIVE_STATUSES = ["agreed", "in-progress", "on-hold", "closed"] as const;
export const MILESTONE_STATUSES = ["planned", "in-progress", "done", "blocked", "cancelled"] as const;
export const ACTION_STATUSES = ["open", "done", "dropped"] as const;
export const HEALTH = ["red", "amber", "green"] as const;
export const PROPOSAL_STATUSES = ["proposed", "accepted", "rejected", "superseded"] as const;

export const Leads = z.record(PartyCode, z.array(ItemId).max(20));

/** A change to jointly agreed content: it takes effect only when the other party accepts it. */
export const ProposedChange = z.discriminatedUnion("field", [
  z.object({ field: z.enum(["objective", "scope", "title"]), value: Text(2000) }).strict(),
  z.object({ field: z.literal("status"), value: z.enum(INITIATIVE_STATUSES) }).strict(),
  z.object({ field: z.enum(["start", "end"]), value: IsoDate.nullable() }).strict(),
  z.object({ field: z.literal("milestone.dueDate"), milestoneId: AnyId, value: IsoDate }).strict(),
  z
    .object({
      field: z.literal("milestone.add"),
      value: z.object({ title: Text(300), dueDate: IsoDate, owner: PartyCode }).strict(),
    })
    .strict(),
  z
    .object({
      field: z.literal("initiative.add"),
      value: z
        .object({
          title: Text(300),
          lane: ItemId,
          objective: Text(2000),
          leads: Leads.default({}),
          start: IsoDate.nullable().default(null),
          end: IsoDate.nullable().default(null),
        })
        .strict(),
    })
    .strict(),
]);
export type ProposedChange = z.infer<typeof ProposedChange>;

const ActionItem = z.object({ id: z.uuid(), text: Text(1000), owner: PartyCode, due: IsoDate.nullable() }).strict();

const EventMeta = z.object({
  id: z.uuid(),
  origin: PartyCode,
  /** Lamport clock: greater than every event the origin had seen when it made this one. */
  lamport: z.number().int().nonnegative(),
  at: z.iso.datetime(),
  actor: z.string().min(1).max(200),
});
export type EventMeta = z.infer<typeof EventMeta>;
const kind = <K extends string, S extends z.ZodRawShape>(name: K, shape: S) =>
  EventMeta.extend({ kind: z.literal(name), ...shape }).strict();

/** One replicated operation on the plan; the plan is a function of the set of these. */
export const WorkplanEvent = z.discriminatedUnion("kind", [
  kind("proposal.create", { initiativeId: AnyId, change: ProposedChange }),
  kind("proposal.accept", { proposalId: z.uuid() }),
  kind("proposal.reject", { proposalId: z.uuid(), reason: z.string().max(1000) }),
  kind("progress.add", { initiativeId: AnyId, date: IsoDate, note: Text(4000) }),
  kind("initiative.health", { initiativeId: AnyId, health: z.enum(HEALTH) }),
  kind("milestone.status", { milestoneId: AnyId, status: z.enum(MILESTONE_STATUSES) }),
  kind("milestone.evidence", { milestoneId: AnyId, url: z.url().max(2000) }),
  kind("review.record", {
    date: IsoDate,
    title: Text(300),
    attendees: z.array(Text(200)).max(100),
    decisions: z.array(Text(2000)).max(100),
    actionItems: z.array(ActionItem).max(100),
  }),
  kind("action.status", { actionId: z.uuid(), status: z.enum(ACTION_STATUSES) }),
]);
export type WorkplanEvent = z.infer<typeof WorkplanEvent>;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** An event before it is stamped with id, origin, clock and author. */
export type EventChange = DistributiveOmit<WorkplanEvent, keyof EventMeta>;

/** The body of a `workplan.events` envelope: one or more events of the sending party. */
export const WorkplanEnvelopeBody = z.object({ events: z.array(WorkplanEvent).min(1).max(1000) }).strict();

// ---- HTTP requests ----
export const ProposeRequest = z.object({
  initiativeId: AnyId,
  change: ProposedChange,
});
export const RejectRequest = z.object({ reason: z.string().trim().max(1000).default("") });
export const ProgressRequest = z.object({ date: IsoDate, note: Text(4000) });
export const HealthRequest = z.object({ health: z.enum(HEALTH) });
export const MilestoneStatusRequest = z.object({ status: z.enum(MILESTONE_STATUSES) });
export const EvidenceRequest = z.object({ url: z.url().max(2000) });
export const ActionStatusRequest = z.object({ status: z.enum(ACTION_STATUSES) });
export const ReviewRequest = z.object({
  date: IsoDate,
  title: Text(300),
  attendees: z.array(Text(200)).max(100).default([]),
  decisions: z.array(Text(2000)).max(100).default([]),
  actionItems: z
    .array(z.object({ text: Text(1000), owner: PartyCode, due: IsoDate.nullable().default(null) }))
    .max(100)
    .default([]),
});
export const ProposalsQuery = z.object({ status: z.enum(PROPOSAL_STATUSES).optional() });
export const ReportQuery = z.object({
  lane: ItemId.optional(),
  format: z.enum(["html", "pdf"]).default("html"),
});
export const IdParam = z.object({ id: AnyId });

// ---- Responses (the OpenAPI document and the web client's types come from them). Plan state is computed
// (workplan.state.ts), so its dates are the ISO strings the events carry.

const Actor = z.object({ party: z.string(), actor: z.string(), at: z.string() });
export const MilestoneView = z.object({
  id: z.string(),
  title: z.string(),
  dueDate: z.string(),
  owner: z.string(),
  status: z.string(),
  evidence: z.array(z.string()),
});
export const InitiativeView = z.object({
  id: z.string(),
  lane: z.string(),
  title: z.string(),
  objective: z.string(),
  leads: z.record(z.string(), z.array(z.string())),
  scope: z.string().nullable(),
  status: z.string(),
  /** Each party's own red/amber/green reading; null until it gives one. */
  health: z.record(z.string(), z.string().nullable()),
  start: z.string().nullable(),
  end: z.string().nullable(),
  milestones: z.array(MilestoneView),
  progress: z.array(
    z.object({
      id: z.string(),
      party: z.string(),
      date: z.string(),
      note: z.string(),
      actor: z.string(),
      at: z.string(),
    }),
  ),
  history: z.array(z.object({ proposalId: z.string(), field: z.string(), proposedBy: Actor, acceptedBy: Actor })),
});
export const ProposalView = z.object({
  id: z.string(),
  initiativeId: z.string(),
  change: ProposedChange,
  /** The party that proposed, and who at that party. */
  proposer: z.string(),
  proposedBy: z.string(),
  proposedAt: z.string(),
  status: z.enum(PROPOSAL_STATUSES),
  decidedByParty: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
});
export const ActionItemView = z.object({
  id: z.string(),
  text: z.string(),
  owner: z.string(),
  due: z.string().nullable(),
  status: z.string(),
});
export const ReviewView = z.object({
  id: z.string(),
  party: z.string(),
  recordedBy: z.string(),
  date: z.string(),
  title: z.string(),
  attendees: z.array(z.string()),
  decisions: z.array(z.string()),
  actionItems: z.array(ActionItemView),
});
/** The joint plan as this node computes it, with this node's party and its exchange indicators. */
export const WorkplanView = z.object({
  party: z.string(),
  agreement: z
    .object({
      id: z.string(),
      title: z.string(),
      parties: z.array(z.string()),
      agreedOn: z.string(),
      place: z.string(),
      basis: z.string(),
    })
    .nullable(),
  lanes: z.record(z.string(), z.string()),
  initiatives: z.array(InitiativeView),
  proposals: z.array(ProposalView),
  reviews: z.array(ReviewView),
  indicators: z.object({
    available: z.boolean(),
    note: z.string().nullable(),
    lanes: z.array(z.object({ lane: z.string(), due: z.number(), answeredOnTime: z.number() })),
  }),
});
export const SeedResult = z.object({ agreementId: z.string(), digest: z.string(), seeded: z.boolean() });
export const StateHash = z.object({ hash: z.string(), events: z.number().int() });
export const ProposalList = z.object({ items: z.array(ProposalView) });
export const ProposalDecision = z.object({ id: z.string(), status: z.enum(PROPOSAL_STATUSES) });
export const ProgressRecorded = z.object({
  id: z.string().optional(),
  initiativeId: z.string(),
  party: z.string(),
  date: z.string(),
  note: z.string(),
});
export const HealthRecorded = z.object({ initiativeId: z.string(), party: z.string(), health: z.enum(HEALTH) });
export const MilestoneStatusRecorded = z.object({ milestoneId: z.string(), status: z.enum(MILESTONE_STATUSES) });
export const EvidenceRecorded = z.object({ milestoneId: z.string(), url: z.string() });
export const ReviewRecorded = z.object({
  id: z.string().optional(),
  date: z.string(),
  title: z.string(),
  attendees: z.array(z.string()),
  decisions: z.array(z.string()),
  actionItems: z.array(ActionItemView),
});
export const ActionStatusRecorded = z.object({ actionId: z.string(), status: z.enum(ACTION_STATUSES) });
