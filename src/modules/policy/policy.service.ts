/**
 * Policy module: owns the one decision point of the node and the one path to it (access.ts). Every service asks
 * `authorize(principal, action, resource)`; Cedar decides from the policies in policies/access (validated
 * against policies/schema.cedarschema at start-up), default deny, no bypass role. Decisions name the policies
 * (@id) and say why (@reason); refusals are audited. This file is the decision point: pure, cached by shape.
 */
import type { CedarValueJson } from "@cedar-policy/cedar-wasm/nodejs";
import { forbidden, LiaisonError } from "../../core/errors.ts";
import type { Principal } from "../identity/principal.ts";
import { type CedarEntity, CedarPolicySet, reasonsOf } from "./cedar-policy-set.ts";
import type { AccessResource, AuthorizationDecision, AuthorizationRequest, DecisionPoint } from "./policy.types.ts";
import { defaultPolicyDir, loadPolicyFolder, readAuthorities, readSchema } from "./policy-files.ts";

/** The actions of the schema; an action outside this list is refused before Cedar is asked. */
export const ACTIONS = [
  "notice.send",
  "notice.read",
  "peer.manage",
  "outbox.manage",
  "envelope.read",
  "audit.read",
  "thread.create",
  "thread.read",
  "message.read",
  "message.send",
  "thread.triage",
  "thread.assign",
  "search",
  "stats.read",
  "workplan.read",
  "workplan.seed",
  "progress.update",
  "proposal.create",
  "proposal.decide",
  "review.manage",
  "report.read",
  "approval.read",
  "approval.decide",
  "compliance.evaluate",
  "directory.read",
  "user.manage",
  "report.aca",
  "precursor.send",
  "precursor.reply",
  "precursor.read",
  "precursor.shipment",
  "precursor.incident",
  "cyber.read",
  "cyber.write",
  "precursor.watchlist.read",
  "precursor.watchlist.edit",
  "precursor.catalogue.add",
  "matching.list.create",
  "matching.list.read",
] as const;
export type Action = (typeof ACTIONS)[number];
const KNOWN_ACTIONS: ReadonlySet<string> = new Set(ACTIONS);

/** Resource attributes the schema knows; anything else a caller passes is not part of the decision. */
const RESOURCE_STRINGS = ["party", "agency", "tlp", "requester", "subject"] as const;
const RESOURCE_SETS = ["recipients", "requesterChangers"] as const;

export interface PolicyServiceOptions {
  /** Folder holding schema.cedarschema and access/ (default: the repository's policies/). */
  policyDir?: string;
  /** Decisions kept for reuse (0 asks Cedar with the real entities every time, e.g. as the oracle in tests). */
  cacheSize?: number;
}

export class PolicyService implements DecisionPoint {
  readonly policyDir: string;
  readonly schema: string;
  readonly access: CedarPolicySet;
  /** Whether decisions are shared between requests of the same shape (see `shapeOf`) or only exact repeats. */
  readonly sharesDecisionsByShape: boolean;
  private readonly cache = new Map<string, AuthorizationDecision>();
  /** Agency id -> the areas it is its party's competent authority in (policies/authorities.json). */
  private readonly authorities: Map<string, string[]>;
  private readonly cacheSize: number;

  constructor(options: PolicyServiceOptions = {}) {
    this.policyDir = options.policyDir ?? defaultPolicyDir();
    this.schema = readSchema(this.policyDir);
    this.authorities = readAuthorities(this.policyDir);
    this.access = new CedarPolicySet("access", loadPolicyFolder(this.policyDir, "access", this.schema));
    this.cacheSize = options.cacheSize ?? 10_000;
    this.sharesDecisionsByShape = this.access.decidesByShape;
  }

  decide(request: AuthorizationRequest): AuthorizationDecision {
    const action = request.action;
    if (!KNOWN_ACTIONS.has(action)) {
      return { allowed: false, reasons: [{ policy: "unknown-action", text: `No action ${request.action} exists.` }] };
    }
    let principal = principalEntity(request.principal, this.authorities);
    let resource = resourceEntity(request.resource);
    if (this.cacheSize === 0) return this.askCedar(action, principal, resource);
    let key: string;
    if (this.sharesDecisionsByShape) {
      // Cedar decides on the canonical representative of the request's shape; by construction (policies compare
      // identifying attributes only with each other, checked at load) its answer is the answer for every request
      // of that shape. test/policy/decision-shapes.test.ts checks this against Cedar on random requests.
      ({ principal, resource } = shapeOf(principal, resource));
      key = JSON.stringify([action, principal.attrs, resource.attrs]);
    } else {
      key = JSON.stringify([action, principal.uid.id, principal.attrs, resource.uid.id, resource.attrs]);
    }
    const cached = this.cache.get(key);
    if (cached) return cached;
    const decision = this.askCedar(action, principal, resource);
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(key, decision);
    return decision;
  }

  private askCedar(action: string, principal: CedarEntity, resource: CedarEntity): AuthorizationDecision {
    const { allowed, determining } = this.access.decide(action, principal, resource);
    const reasons = reasonsOf(determining);
    if (!allowed && reasons.length === 0) {
      reasons.push({ policy: "default-deny", text: `No policy permits ${action} for this principal and resource.` });
    }
    return Object.freeze({ allowed, reasons: Object.freeze(reasons) as AuthorizationDecision["reasons"] });
  }
}

export function denied(request: AuthorizationRequest, decision: AuthorizationDecision): LiaisonError {
  const error = forbidden(
    "LIAISON_POLICY_DENIED",
    `${request.action} refused: ${decision.reasons.map((r) => r.text).join(" ")}`,
  );
  return new LiaisonError(error.code, error.status, error.message, { reasons: decision.reasons });
}

function principalEntity(principal: Principal, authorities: ReadonlyMap<string, string[]>): CedarEntity {
  const names =
    principal.username && principal.username !== principal.id ? [principal.id, principal.username] : [principal.id];
  const attrs: Record<string, CedarValueJson> = { role: principal.role, party: principal.party, names };
  if (principal.agency) attrs.agency = principal.agency;
  const areas = principal.agency ? authorities.get(principal.agency) : undefined;
  if (areas) attrs.authorities = areas;
  if (principal.accountChangers) attrs.accountChangers = [...new Set(principal.accountChangers)];
  return { uid: { type: "Liaison::User", id: principal.id }, attrs, parents: [] };
}

/**
 * The request reduced to what the policies can observe: the role, whether the principal has an agency, and how
 * the resource relates to the principal (same party, same agency), with kind and TLP label as they are. Every
 * person named (recipients, requester, subject, who changed which account) becomes a placeholder for how it
 * relates to the principal and the requester: `p` the principal, `x` the requester, `o` anyone else.
 */
export function shapeOf(
  principal: CedarEntity,
  resource: CedarEntity,
): { principal: CedarEntity; resource: CedarEntity } {
  const p = principal.attrs;
  const r = resource.attrs;
  const names = p.names as string[];
  const requester = r.requester as string | undefined;
  const person = (v: string) => (names.includes(v) ? "p" : v === requester ? "x" : "o");
  const people = (vs: CedarValueJson) => [...new Set((vs as string[]).map(person))].sort();
  const shapedPrincipal: Record<string, CedarValueJson> = { role: p.role as string, party: "P", names: ["p"] };
  if (p.agency !== undefined) shapedPrincipal.agency = "A";
  if (p.accountChangers !== undefined) shapedPrincipal.accountChangers = people(p.accountChangers);
  // Areas of competence are facts about the agency, not identities: they are part of the shape as they are.
  if (p.authorities !== undefined) shapedPrincipal.authorities = p.authorities;
  const shapedResource: Record<string, CedarValueJson> = {
    kind: r.kind as string,
    party: r.party === p.party ? "P" : "Q",
  };
  if (r.agency !== undefined) shapedResource.agency = p.agency !== undefined && r.agency === p.agency ? "A" : "B";
  if (r.tlp !== undefined) shapedResource.tlp = r.tlp as string;
  if (r.recipients !== undefined) shapedResource.recipients = people(r.recipients);
  if (requester !== undefined) shapedResource.requester = person(requester);
  if (r.subject !== undefined) shapedResource.subject = person(r.subject as string);
  if (r.requesterChangers !== undefined) shapedResource.requesterChangers = people(r.requesterChangers);
  return {
    principal: { uid: { type: "Liaison::User", id: "p" }, attrs: shapedPrincipal, parents: [] },
    resource: { uid: { type: "Liaison::Resource", id: "r" }, attrs: shapedResource, parents: [] },
  };
}

function resourceEntity(resource: AccessResource): CedarEntity {
  const given = resource.attributes ?? {};
  const attrs: Record<string, CedarValueJson> = { kind: resource.type, party: "" };
  for (const name of RESOURCE_STRINGS) {
    const value = given[name];
    if (typeof value === "string") attrs[name] = value;
  }
  for (const name of RESOURCE_SETS) {
    const value = given[name];
    if (Array.isArray(value)) attrs[name] = [...new Set(value.filter((v): v is string => typeof v === "string"))];
  }
  return { uid: { type: "Liaison::Resource", id: resource.id }, attrs, parents: [] };
}
