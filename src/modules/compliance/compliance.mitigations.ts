import type { Mitigation } from "./compliance.fields.ts";
import type { ComplianceInput } from "./compliance.types.ts";

/**
 * The ACA directions allow a disclosure under a substantial risk only once appropriate measures are actually
 * taken; UN-CAT asks the same of both parties. So a mitigation counts only if it can be checked against the
 * message it claims to protect: a caveat is attached to that message, a written assurance is recorded with
 * who gave it and when (not later than now). A claim that does not hold is not silently ignored: the packs
 * refuse it (a record that says a caveat was attached when it was not is a false record).
 */
export interface MitigationCheck {
  measure: Mitigation["measure"];
  attached: boolean;
  why: string;
}

const NARROW_TLP = new Set(["TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER"]);

export function checkMitigation(m: Mitigation, input: ComplianceInput, now: Date): MitigationCheck {
  switch (m.measure) {
    case "written-assurance": {
      const at = Date.parse(m.givenAt);
      const attached = Number.isFinite(at) && at <= now.getTime() && m.givenBy.trim().length >= 3;
      return {
        measure: m.measure,
        attached,
        why: attached
          ? `written assurance from ${m.givenBy} on ${m.givenAt}`
          : "an assurance is recorded with who gave it and when, and cannot be dated after now",
      };
    }
    case "caveat-h2":
      return {
        measure: m.measure,
        attached: input.permittedUse.includes("H2"),
        why: "H2 (no onward disclosure without permission) must be among the message's permitted-use codes",
      };
    case "caveat-tlp-amber-or-narrower":
      return {
        measure: m.measure,
        attached: NARROW_TLP.has(input.tlp),
        why: "the message's TLP label must be TLP:AMBER, TLP:AMBER+STRICT or TLP:RED",
      };
    case "caveat-named-recipients":
      return {
        measure: m.measure,
        attached: input.tlp === "TLP:RED" && (input.recipients ?? []).length > 0,
        why: "named recipients bind only under TLP:RED, with the recipients listed",
      };
    case "caveat-restricted-use":
      return {
        measure: m.measure,
        attached: input.permittedUse.includes("H3") && (input.handlingNote ?? "").trim().length > 0,
        why: "H3 must be attached with the restriction stated in the handling note",
      };
  }
}

export function checkMitigations(
  mitigations: readonly Mitigation[],
  input: ComplianceInput,
  now: Date,
): MitigationCheck[] {
  return mitigations.map((m) => checkMitigation(m, input, now));
}
