import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LiaisonError } from "../../core/errors.ts";
import * as cedar from "./cedar.ts";

/** One Cedar policy as loaded from a file: its text and the annotations that explain decisions. */
export interface LoadedPolicy {
  id: string;
  file: string;
  text: string;
  effect: "permit" | "forbid";
  reason: string;
  /** Legal instruments the policy applies (`@instruments("A,B")`), for compliance decisions. */
  instruments: string[];
  /** Action ids the policy can match, or "all" when its scope does not name actions. */
  actions: string[] | "all";
  /** True when the policy compares against a literal entity uid, so decisions depend on entity ids. */
  namesEntities: boolean;
  /**
   * True when the policy compares an identifying attribute (party, agency, names, recipients, requester) with a
   * literal, e.g. `resource.agency == "ca-rcmp"`. Decisions then depend on the values themselves, not only on
   * how principal and resource relate, and the policy service stops sharing decisions between shapes.
   */
  comparesIdentityToLiteral: boolean;
}

/** Attributes that policies may only compare with each other for decisions to be shared by shape. */
export const RELATIONAL_ATTRIBUTES: ReadonlySet<string> = new Set([
  "party",
  "agency",
  "names",
  "recipients",
  "requester",
  "subject",
  "accountChangers",
  "requesterChangers",
]);
const COMPARISONS = ["==", "!=", "contains", "containsAny", "containsAll", "in", "<", "<=", ">", ">="];

function isRelationalAttribute(expr: unknown): boolean {
  const access = (expr as { "."?: { attr?: string } } | null)?.["."];
  return access?.attr !== undefined && RELATIONAL_ATTRIBUTES.has(access.attr);
}

const PERSON_ATTRIBUTES = new Set([
  "names",
  "recipients",
  "requester",
  "subject",
  "accountChangers",
  "requesterChangers",
]);

/** party with party and agency with agency keep their meaning under shaping; party with agency would not. */
function mixesAttributes(left: unknown, right: unknown): boolean {
  if (!isRelationalAttribute(left) || !isRelationalAttribute(right)) return false;
  const a = (left as { ".": { attr: string } })["."].attr;
  const b = (right as { ".": { attr: string } })["."].attr;
  return a !== b && !(PERSON_ATTRIBUTES.has(a) && PERSON_ATTRIBUTES.has(b));
}

function holdsLiteral(expr: unknown): boolean {
  if (!expr || typeof expr !== "object") return false;
  const record = expr as Record<string, unknown>;
  if ("Value" in record) return true;
  if (Array.isArray(record.Set)) return record.Set.some(holdsLiteral);
  return false;
}

function comparesIdentityToLiteral(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(comparesIdentityToLiteral);
  if (!node || typeof node !== "object") return false;
  const record = node as Record<string, unknown>;
  for (const op of COMPARISONS) {
    const pair = record[op] as { left?: unknown; right?: unknown } | undefined;
    if (pair && typeof pair === "object" && "left" in pair) {
      if (
        (isRelationalAttribute(pair.left) && holdsLiteral(pair.right)) ||
        (isRelationalAttribute(pair.right) && holdsLiteral(pair.left)) ||
        mixesAttributes(pair.left, pair.right)
      ) {
        return true;
      }
    }
  }
  const like = record.like as { left?: unknown } | undefined;
  if (like && isRelationalAttribute(like.left)) return true;
  return Object.values(record).some(comparesIdentityToLiteral);
}

export type PolicyTexts = Map<string, LoadedPolicy>;

/**
 * The repository's `policies/` folder. Another folder (an operator's own packs) comes from the node's
 * configuration (`policyDir`, LIAISON_POLICY_DIR), read by the config loader and passed in: never from here.
 */
export function defaultPolicyDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "policies");
}

export const invalidPolicy = (message: string, details?: Record<string, unknown>) =>
  new LiaisonError("LIAISON_POLICY_INVALID", 500, message, details);

/**
 * policies/authorities.json: which agencies are their party's competent authority in an area ("precursors": the
 * agencies that send and answer pre-export notifications). Cedar cannot compare an agency with a literal id
 * without losing decisions shared by shape (RELATIONAL_ATTRIBUTES), so the node gives each principal the areas
 * its agency is competent in (`authorities`), and policies name the area. Absent file: no authorities.
 */
export function readAuthorities(dir: string): Map<string, string[]> {
  const file = join(dir, "authorities.json");
  const byAgency = new Map<string, string[]>();
  if (!existsSync(file)) return byAgency;
  let parsed: { authorities?: Record<string, { agencies?: unknown }> };
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw invalidPolicy(`${file}: ${(error as Error).message}`);
  }
  for (const [area, entry] of Object.entries(parsed.authorities ?? {})) {
    const agencies = entry.agencies;
    if (!Array.isArray(agencies) || agencies.some((a) => typeof a !== "string")) {
      throw invalidPolicy(`${file}: ${area}.agencies must be a list of agency ids`);
    }
    for (const agency of agencies as string[]) byAgency.set(agency, [...(byAgency.get(agency) ?? []), area].sort());
  }
  return byAgency;
}

export function readSchema(dir: string): string {
  const file = join(dir, "schema.cedarschema");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw invalidPolicy(`the Cedar schema ${file} cannot be read`);
  }
  const parsed = cedar.checkParseSchema(text);
  if (parsed.type === "failure") {
    throw invalidPolicy(`the Cedar schema ${file} does not parse: ${parsed.errors.map((e) => e.message).join("; ")}`);
  }
  return text;
}

function cedarFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    throw invalidPolicy(`the policy folder ${dir} cannot be read`);
  }
  return names.filter((n) => n.endsWith(".cedar") && statSync(join(dir, n)).isFile()).map((n) => join(dir, n));
}

function mentionsEntityLiteral(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(mentionsEntityLiteral);
  if (node && typeof node === "object") {
    const record = node as Record<string, unknown>;
    if ("__entity" in record) {
      const type = (record.__entity as { type?: string }).type ?? "";
      if (!type.endsWith("::Action")) return true;
    }
    return Object.values(record).some(mentionsEntityLiteral);
  }
  return false;
}

/**
 * Load every `*.cedar` file of a folder as a map id -> policy, so decisions name the policies by their @id.
 * Each policy must carry @id and @reason; ids are unique; the whole set validates against the schema
 * (strict mode). Any failure throws LIAISON_POLICY_INVALID naming the file and the policy.
 */
export function loadPolicyFolder(
  root: string,
  folder: string,
  schema: string,
  include: (fileName: string) => boolean = () => true,
): PolicyTexts {
  const policies: PolicyTexts = new Map();
  for (const path of cedarFiles(join(root, folder)).filter((f) => include(basename(f)))) {
    const file = relative(root, path);
    const parts = cedar.policySetTextToParts(readFileSync(path, "utf8"));
    if (parts.type === "failure") {
      throw invalidPolicy(`${file} does not parse: ${parts.errors.map((e) => e.message).join("; ")}`, { file });
    }
    if (parts.policy_templates.length > 0) throw invalidPolicy(`${file}: templates are not used here`, { file });
    for (const text of parts.policies) {
      const json = cedar.policyToJson(text);
      if (json.type === "failure") throw invalidPolicy(`${file}: ${json.errors.map((e) => e.message).join("; ")}`);
      const { annotations = {}, action, effect } = json.json;
      const id = annotations.id;
      const reason = annotations.reason;
      if (!id || !reason) throw invalidPolicy(`${file}: every policy needs @id and @reason annotations`, { file });
      if (policies.has(id)) throw invalidPolicy(`${file}: policy id ${id} is used twice`, { file, policy: id });
      const actions =
        action.op === "==" && "entity" in action
          ? [entityId(action.entity)]
          : action.op === "in" && "entities" in action
            ? action.entities.map(entityId)
            : action.op === "in" && "entity" in action
              ? [entityId(action.entity)]
              : "all";
      policies.set(id, {
        id,
        file,
        text,
        effect,
        reason,
        instruments: (annotations.instruments ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        actions,
        comparesIdentityToLiteral: comparesIdentityToLiteral(json.json.conditions),
        namesEntities:
          mentionsEntityLiteral(json.json.principal) ||
          mentionsEntityLiteral(json.json.resource) ||
          mentionsEntityLiteral(json.json.conditions),
      });
    }
  }
  if (policies.size === 0) throw invalidPolicy(`${folder} holds no policies`, { folder });
  validateAgainstSchema(policies, schema, folder);
  return policies;
}

function entityId(uid: cedar.EntityUidJson): string {
  return "__entity" in uid ? uid.__entity.id : uid.id;
}

function validateAgainstSchema(policies: PolicyTexts, schema: string, folder: string): void {
  const staticPolicies = Object.fromEntries([...policies].map(([id, p]) => [id, p.text]));
  const answer = cedar.validate({ schema, policies: { staticPolicies }, validationSettings: { mode: "strict" } });
  if (answer.type === "failure") {
    throw invalidPolicy(`${folder}: validation failed: ${answer.errors.map((e) => e.message).join("; ")}`);
  }
  const first = answer.validationErrors[0];
  if (first) {
    const file = policies.get(first.policyId)?.file ?? folder;
    throw invalidPolicy(
      `${file}: policy ${first.policyId} does not validate against the schema: ${first.error.message}`,
      {
        file,
        policy: first.policyId,
        errors: answer.validationErrors.map((e) => ({ policy: e.policyId, message: e.error.message })),
      },
    );
  }
}
