/**
 * The node's API as the UI sees it, derived from the server's own Zod schemas (src/modules/<name>/<name>.schema.ts),
 * which also produce the OpenAPI document. Type-only imports: TypeScript reads the server's schema files, Vite
 * erases the imports and bundles none of that code (test/http/contract.test.ts fails on a value import).
 * `z.output` is what a route answers, `Wire<>` turns its Dates into the strings JSON carries; `z.input` is
 * what a request body may be (defaults optional).
 */
import type { z } from "zod";
import type * as approvals from "../../../src/modules/approvals/approvals.schema.ts";
import type * as audit from "../../../src/modules/audit/audit.schema.ts";
import type * as compliance from "../../../src/modules/compliance/compliance.schema.ts";
import type * as directory from "../../../src/modules/directory/directory.schema.ts";
import type * as entities from "../../../src/modules/exchange/exchange.entities.ts";
import type * as exchange from "../../../src/modules/exchange/exchange.schema.ts";
import type * as federation from "../../../src/modules/federation/federation.schema.ts";
import type * as identity from "../../../src/modules/identity/identity.schema.ts";
import type * as notices from "../../../src/modules/notices/notices.schema.ts";
import type * as workplan from "../../../src/modules/workplan/workplan.schema.ts";
import type { OneOf, Wire } from "./wire.ts";

/** What a route answers with this schema, as the browser receives it. */
export type Answer<S extends z.ZodType> = Wire<z.output<S>>;
/** What a request body of this schema may be: defaults may be left out. */
export type Body<S extends z.ZodType> = z.input<S>;

export type Me = Answer<typeof identity.Me>;
export type UserView = Answer<typeof identity.UserViewSchema>;
export type LoginAnswer = Answer<typeof identity.LoginResponse>;
/** 202 to a right password when the account has a second factor. */
export type SecondFactorChallenge = Answer<typeof identity.SecondFactorChallengeResponse>;
export type SecondFactorAnswer = { code: string } | { recoveryCode: string };
export type TotpStatus = Answer<typeof identity.TotpStatus>;
export type TotpEnrolment = Answer<typeof identity.TotpEnrolment>;
export type RecoveryCodes = Answer<typeof identity.RecoveryCodes>;
/** The signed-in user as the UI keeps it: who `GET /auth/me` says the caller is. */
export type User = Me;

export type ThreadHeader = Answer<typeof exchange.ThreadHeader>;
export type ThreadSummary = Answer<typeof exchange.ThreadSummary>;
export type Deadlines = ThreadHeader["deadlines"];
export type Message = OneOf<Answer<typeof exchange.MessageView>, Answer<typeof exchange.WithdrawnMessageView>>;
export type Thread = Omit<Answer<typeof exchange.Thread>, "messages"> & { messages: Message[] };
export type CreatedThread = Answer<typeof exchange.CreatedThread>;
export type SentMessage = Answer<typeof exchange.SentMessage>;
export type Attachment = Answer<typeof exchange.AttachmentMeta>;
export type Entity = Answer<typeof exchange.MessageView>["entities"][number];
/** An entity as a send takes it (exchange.entities.ts): one of the typed shapes the server validates. */
export type EntityInput = Body<typeof entities.Entity>;
export type Grading = Answer<typeof exchange.Grading>;
export type Tlp = Answer<typeof exchange.Tlp>;
export type PermittedUse = Answer<typeof exchange.PermittedUse>;
export type RiskLevel = Body<typeof exchange.MistreatmentRisk>["level"];
export type ExchangeStats = Answer<typeof exchange.ExchangeStats>;
export type SearchPage = Answer<typeof exchange.SearchPage>;
export type CreateThreadBody = Body<typeof exchange.CreateThreadRequest>;
export type AddMessageBody = Body<typeof exchange.AddMessageRequest>;
export type AssignBody = Body<typeof exchange.AssignRequest>;

export type ComplianceRequest = Body<typeof compliance.ComplianceEvaluateRequest>;
export type ComplianceDecision = Answer<typeof compliance.ComplianceDecisionSchema>;

export type Approval = Answer<typeof approvals.ApprovalView>;
export type ApprovalDecisionBody = Body<typeof approvals.ApprovalDecisionRequest>;

export type Workplan = Answer<typeof workplan.WorkplanView>;
export type Initiative = Answer<typeof workplan.InitiativeView>;
export type Milestone = Answer<typeof workplan.MilestoneView>;
export type Proposal = Answer<typeof workplan.ProposalView>;
export type ReviewMeeting = Answer<typeof workplan.ReviewView>;
export type ProposeBody = Body<typeof workplan.ProposeRequest>;
export type ReviewBody = Body<typeof workplan.ReviewRequest>;

export type AgencyDirectory = Answer<typeof directory.AgencyDirectory>;
export type Agency = Answer<typeof directory.Agency>;
export type DirectoryUser = Answer<typeof directory.DirectoryEntry>;

export type TreeHead = Answer<typeof audit.TreeHeadWithWitnesses>;
export type AuditEvent = Answer<typeof audit.RecordedEvent>;
export type AuditLeaf = Answer<typeof audit.LeavesPage>["items"][number];
export type AuditAlert = Answer<typeof audit.AuditAlerts>["items"][number];
export type AuditKeys = Answer<typeof audit.AuditKeys>;
export type InclusionProof = Answer<typeof audit.InclusionProof>;

export type Peer = Answer<typeof federation.PeerSummary>;
export type OutboxItem = Answer<typeof federation.OutboxItem>;
export type Descriptor = Answer<typeof federation.Descriptor>;

export type Notice = Answer<typeof notices.NoticeView>;
export type SendNoticeBody = Body<typeof notices.SendNoticeRequest>;
