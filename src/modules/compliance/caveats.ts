import type { PolicyReason } from "../policy/policy.types.ts";

/**
 * Caveats that travel with a received item and bind this (the receiving) node: whether it may go further without
 * the originator's consent, and when it must be reviewed. Pure: the exchange module calls it with the item's
 * caveats and what the caller wants to do.
 *
 * Who may READ a received item is not decided here: that is Cedar's `message.read` and the TLP boundaries of
 * policies/access/boundaries.cedar, the one place those rules are written (exchange.visibility.ts; the SQL of
 * lists and search is held to them by test/policy/visibility-agrees.test.ts). This file owns the onward and
 * evidential rules (H1, H2, the labels that stay inside the recipient agency), which no access decision makes.
 */
export interface ReceivedCaveats {
  tlp: "TLP:RED" | "TLP:AMBER+STRICT" | "TLP:AMBER" | "TLP:GREEN" | "TLP:CLEAR";
  permittedUse: string[];
  retentionUntil?: Date | string | undefined;
  /** The agency the item was addressed to on this node. */
  recipientAgency: string;
}

export type IntendedUse =
  | { kind: "review" }
  | { kind: "disclose-onward"; toAgency: string; consentGranted?: boolean | undefined }
  | { kind: "use-as-evidence"; consentGranted?: boolean | undefined };

export interface CaveatDecision {
  /** For onward disclosure and evidential use: "allowed", or the originator's consent is needed first. */
  use: "allowed" | "needs-consent" | "not-applicable";
  /** The retention date has passed: the item must be reviewed (kept with a reason, or deleted). */
  retentionReview: boolean;
  reasons: PolicyReason[];
}

const TLP_WITHIN_AGENCY = new Set(["TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER"]);

export function checkCaveats(caveats: ReceivedCaveats, intended: IntendedUse, now: Date): CaveatDecision {
  const reasons: PolicyReason[] = [];
  let use: CaveatDecision["use"] = "not-applicable";
  if (intended.kind === "disclose-onward") {
    const otherAgency = intended.toAgency !== caveats.recipientAgency;
    const needs: PolicyReason[] = [];
    if (otherAgency && caveats.permittedUse.includes("H2")) {
      needs.push({
        policy: "caveat-h2",
        text: "H2: no onward disclosure to any other body without the originator's permission.",
      });
    }
    if (otherAgency && TLP_WITHIN_AGENCY.has(caveats.tlp)) {
      needs.push({
        policy: "caveat-tlp-onward",
        text: `${caveats.tlp} does not reach another agency without the originator's permission.`,
      });
    }
    use = needs.length > 0 && !intended.consentGranted ? "needs-consent" : "allowed";
    if (use === "needs-consent") reasons.push(...needs);
  } else if (intended.kind === "use-as-evidence") {
    const needsConsent = caveats.permittedUse.includes("H1") && !intended.consentGranted;
    use = needsConsent ? "needs-consent" : "allowed";
    if (needsConsent) {
      reasons.push({
        policy: "caveat-h1",
        text: "H1: not to be used as evidence without the originator's permission (ask through BI-MLAT).",
      });
    }
  }

  const retentionReview =
    caveats.retentionUntil !== undefined && new Date(caveats.retentionUntil).getTime() <= now.getTime();
  if (retentionReview) {
    reasons.push({ policy: "caveat-retention", text: "The retention date has passed: review or delete the item." });
  }
  return { use, retentionReview, reasons };
}
