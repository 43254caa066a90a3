import type { PolicyReason } from "../policy/policy.types.ts";

/**
 * Caveats that travel with a received item and bind this (the receiving) node: who may read it, whether it may
 * go further without the originator's consent, and when it must be reviewed. Pure: the exchange module calls it
 * with the item's caveats, the caller and what the caller wants to do.
 */
export interface ReceivedCaveats {
  tlp: "TLP:RED" | "TLP:AMBER+STRICT" | "TLP:AMBER" | "TLP:GREEN" | "TLP:CLEAR";
  permittedUse: string[];
  retentionUntil?: Date | string | undefined;
  /** Named recipients (user ids or usernames) for TLP:RED. */
  recipients?: string[] | undefined;
  /** The agency the item was addressed to on this node. */
  recipientAgency: string;
}

export interface CaveatReader {
  id: string;
  username?: string | undefined;
  agency?: string | undefined;
}

export type IntendedUse =
  | { kind: "read" }
  | { kind: "disclose-onward"; toAgency: string; consentGranted?: boolean | undefined }
  | { kind: "use-as-evidence"; consentGranted?: boolean | undefined };

export interface CaveatDecision {
  readable: boolean;
  /** For onward disclosure and evidential use: "allowed", or the originator's consent is needed first. */
  use: "allowed" | "needs-consent" | "not-applicable";
  /** The retention date has passed: the item must be reviewed (kept with a reason, or deleted). */
  retentionReview: boolean;
  reasons: PolicyReason[];
}

const TLP_WITHIN_AGENCY = new Set(["TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER"]);

export function checkCaveats(
  caveats: ReceivedCaveats,
  reader: CaveatReader,
  intended: IntendedUse,
  now: Date,
): CaveatDecision {
  const reasons: PolicyReason[] = [];
  const names = [reader.id, reader.username].filter((n): n is string => Boolean(n));
  let readable = true;
  if (caveats.tlp === "TLP:RED" && !names.some((n) => caveats.recipients?.includes(n))) {
    readable = false;
    reasons.push({ policy: "caveat-tlp-red", text: "TLP:RED is for the named recipients only." });
  }
  if (caveats.tlp === "TLP:AMBER+STRICT" && reader.agency !== caveats.recipientAgency) {
    readable = false;
    reasons.push({ policy: "caveat-tlp-amber-strict", text: "TLP:AMBER+STRICT stays inside the recipient agency." });
  }

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
  return { readable, use, retentionReview, reasons };
}
