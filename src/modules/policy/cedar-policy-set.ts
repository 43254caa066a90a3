import { LiaisonError } from "../../core/errors.ts";
import * as cedar from "./cedar.ts";
import type { PolicyReason } from "./policy.types.ts";
import type { LoadedPolicy, PolicyTexts } from "./policy-files.ts";

export interface CedarEntity {
  uid: { type: string; id: string };
  attrs: Record<string, cedar.CedarValueJson>;
  parents: [];
}

export interface CedarDecision {
  allowed: boolean;
  /** The policies that decided: the satisfied forbids on a deny, the satisfied permits on an allow. */
  determining: LoadedPolicy[];
}

let instances = 0;

/**
 * A validated policy set, preparsed once into Cedar's in-process cache and split by action: each action gets
 * only the policies whose scope can match it (policies without an action scope go into every part). Cedar's
 * answer is the same as for the whole set, since a policy whose action scope cannot match never applies, and
 * a smaller set is cheaper per call.
 */
export class CedarPolicySet {
  private readonly partFor = new Map<string, string>();
  private readonly catchAll: string;

  constructor(
    readonly name: string,
    readonly policies: PolicyTexts,
    private readonly actionType = "Liaison::Action",
  ) {
    const prefix = `${name}#${++instances}`;
    const scoped = new Map<string, Record<string, string>>();
    const unscoped: Record<string, string> = {};
    for (const policy of policies.values()) {
      if (policy.actions === "all") unscoped[policy.id] = policy.text;
    }
    for (const policy of policies.values()) {
      if (policy.actions === "all") continue;
      for (const action of policy.actions) {
        const part = scoped.get(action) ?? { ...unscoped };
        part[policy.id] = policy.text;
        scoped.set(action, part);
      }
    }
    for (const [action, part] of scoped) {
      const id = `${prefix}:${action}`;
      this.preparse(id, part);
      this.partFor.set(action, id);
    }
    this.catchAll = `${prefix}:*`;
    this.preparse(this.catchAll, unscoped);
  }

  /**
   * True when every policy compares identifying attributes (party, agency, names, recipients, requester) only
   * with each other and never names an entity: a decision then depends on how principal and resource relate
   * (same party? same agency? a named recipient?), not on the ids themselves, and may be shared by shape.
   */
  get decidesByShape(): boolean {
    for (const p of this.policies.values()) if (p.namesEntities || p.comparesIdentityToLiteral) return false;
    return true;
  }

  private preparse(id: string, staticPolicies: Record<string, string>): void {
    const answer = cedar.preparsePolicySet(id, { staticPolicies });
    if (answer.type === "failure") {
      throw new LiaisonError(
        "LIAISON_POLICY_INVALID",
        500,
        `${this.name}: ${answer.errors.map((e) => e.message).join("; ")}`,
      );
    }
  }

  decide(action: string, principal: CedarEntity, resource: CedarEntity): CedarDecision {
    const answer = cedar.statefulIsAuthorized({
      principal: principal.uid,
      action: { type: this.actionType, id: action },
      resource: resource.uid,
      context: {},
      preparsedPolicySetId: this.partFor.get(action) ?? this.catchAll,
      entities: [principal, resource],
    });
    if (answer.type === "failure") {
      throw new LiaisonError(
        "LIAISON_POLICY_EVALUATION_FAILED",
        500,
        `${this.name}: ${answer.errors.map((e) => e.message).join("; ")}`,
      );
    }
    const { decision, diagnostics } = answer.response;
    // A policy that errors (e.g. a missing attribute) is skipped by Cedar; with a schema-validated set this
    // should not happen, and if it does the decision must not silently allow.
    if (diagnostics.errors.length > 0) {
      throw new LiaisonError(
        "LIAISON_POLICY_EVALUATION_FAILED",
        500,
        `${this.name}: ${diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).join("; ")}`,
      );
    }
    // Sorted: Cedar reports the determining policies as a set, in no stable order.
    const determining = [...diagnostics.reason]
      .sort()
      .map((id) => this.policies.get(id))
      .filter((p): p is LoadedPolicy => p !== undefined);
    return { allowed: decision === "allow", determining };
  }
}

export const reasonsOf = (policies: LoadedPolicy[]): PolicyReason[] =>
  policies.map((p) => ({ policy: p.id, text: p.reason }));
