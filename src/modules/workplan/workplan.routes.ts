import type { App } from "../../http/app.ts";
import { authorizeNodeOperation, principalOf } from "../../http/guards.ts";
import { binaryResponse } from "../../http/response.schema.ts";
import type { WorkplanContributions } from "./workplan.owned.ts";
import { renderReport } from "./workplan.report.ts";
import {
  ActionStatusRecorded,
  ActionStatusRequest,
  EvidenceRecorded,
  EvidenceRequest,
  HealthRecorded,
  HealthRequest,
  IdParam,
  MilestoneStatusRecorded,
  MilestoneStatusRequest,
  ProgressRecorded,
  ProgressRequest,
  ProposalDecision,
  ProposalList,
  ProposalsQuery,
  ProposeRequest,
  RejectRequest,
  ReportQuery,
  ReviewRecorded,
  ReviewRequest,
  SeedResult,
  StateHash,
  WorkplanView,
} from "./workplan.schema.ts";
import type { WorkplanAction, WorkplanService } from "./workplan.service.ts";

const tags = ["workplan"];

export function workplanRoutes(plan: WorkplanService, owned: WorkplanContributions) {
  return (app: App) => {
    const read = (request: Parameters<typeof principalOf>[0], action: WorkplanAction = "workplan.read") =>
      plan.authorize(principalOf(request), action, { type: "workplan", id: "plan" });

    app.get(
      "/api/v1/workplan",
      { config: { auth: true }, schema: { tags, response: { 200: WorkplanView } } },
      async (request) => {
        await read(request);
        const state = await plan.state();
        return { ...state, party: plan.party, indicators: await plan.indicators() };
      },
    );
    // Seeding is node operation, not plan content: the administrator loads the published genesis (idempotent).
    app.post(
      "/api/v1/workplan/seed",
      { config: { auth: true }, schema: { tags, response: { 200: SeedResult } } },
      async (request) => {
        await authorizeNodeOperation(request, "workplan.seed");
        return plan.seed();
      },
    );
    app.get(
      "/api/v1/workplan/state-hash",
      { config: { auth: true }, schema: { tags, response: { 200: StateHash } } },
      async (request) => {
        await read(request);
        return plan.stateHash();
      },
    );
    app.get(
      "/api/v1/workplan/proposals",
      { config: { auth: true }, schema: { tags, querystring: ProposalsQuery, response: { 200: ProposalList } } },
      async (request) => {
        await read(request);
        return { items: await plan.proposals(request.query.status) };
      },
    );
    app.post(
      "/api/v1/workplan/proposals",
      { config: { auth: true }, schema: { tags, body: ProposeRequest, response: { 201: ProposalDecision } } },
      async (request, reply) => {
        const { initiativeId, change } = request.body;
        const result = await plan.propose(principalOf(request), initiativeId, change, String(request.id));
        return reply.status(201).send(result);
      },
    );
    app.post(
      "/api/v1/workplan/proposals/:id/accept",
      { config: { auth: true }, schema: { tags, params: IdParam, response: { 200: ProposalDecision } } },
      async (request) => plan.decide(principalOf(request), request.params.id, "accept", "", String(request.id)),
    );
    app.post(
      "/api/v1/workplan/proposals/:id/reject",
      {
        config: { auth: true },
        schema: { tags, params: IdParam, body: RejectRequest.optional(), response: { 200: ProposalDecision } },
      },
      async (request) =>
        plan.decide(principalOf(request), request.params.id, "reject", request.body?.reason ?? "", String(request.id)),
    );
    app.post(
      "/api/v1/workplan/initiatives/:id/progress",
      {
        config: { auth: true },
        schema: { tags, params: IdParam, body: ProgressRequest, response: { 201: ProgressRecorded } },
      },
      async (request, reply) => {
        const { date, note } = request.body;
        const result = await owned.addProgress(principalOf(request), request.params.id, date, note, String(request.id));
        return reply.status(201).send(result);
      },
    );
    app.post(
      "/api/v1/workplan/initiatives/:id/health",
      {
        config: { auth: true },
        schema: { tags, params: IdParam, body: HealthRequest, response: { 200: HealthRecorded } },
      },
      async (request) =>
        owned.setHealth(principalOf(request), request.params.id, request.body.health, String(request.id)),
    );
    app.post(
      "/api/v1/workplan/milestones/:id/status",
      {
        config: { auth: true },
        schema: { tags, params: IdParam, body: MilestoneStatusRequest, response: { 200: MilestoneStatusRecorded } },
      },
      async (request) =>
        owned.setMilestoneStatus(principalOf(request), request.params.id, request.body.status, String(request.id)),
    );
    app.post(
      "/api/v1/workplan/milestones/:id/evidence",
      {
        config: { auth: true },
        schema: { tags, params: IdParam, body: EvidenceRequest, response: { 201: EvidenceRecorded } },
      },
      async (request, reply) => {
        const result = await owned.addEvidence(
          principalOf(request),
          request.params.id,
          request.body.url,
          String(request.id),
        );
        return reply.status(201).send(result);
      },
    );
    app.post(
      "/api/v1/workplan/reviews",
      { config: { auth: true }, schema: { tags, body: ReviewRequest, response: { 201: ReviewRecorded } } },
      async (request, reply) => {
        const result = await owned.recordReview(principalOf(request), request.body, String(request.id));
        return reply.status(201).send(result);
      },
    );
    app.post(
      "/api/v1/workplan/actions/:id/status",
      {
        config: { auth: true },
        schema: { tags, params: IdParam, body: ActionStatusRequest, response: { 200: ActionStatusRecorded } },
      },
      async (request) =>
        owned.setActionStatus(principalOf(request), request.params.id, request.body.status, String(request.id)),
    );
    app.get(
      "/api/v1/workplan/report",
      {
        config: { auth: true },
        schema: {
          tags,
          querystring: ReportQuery,
          response: { 200: binaryResponse("The report, as HTML or PDF", ["text/html", "application/pdf"]) },
        },
      },
      async (request, reply) => {
        await read(request, "report.read");
        const { lane, format } = request.query;
        const report = await renderReport(plan, { lane, format });
        return reply.type(report.contentType).send(report.body);
      },
    );
  };
}
