/** The roles of DESIGN.md. An administrator manages the node, not the content: no role bypasses the policy. */
export const ROLES = [
  "liaison-officer",
  "analyst",
  "approver",
  "workplan-coordinator",
  "auditor",
  "administrator",
] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a user of this node, or an API token acting for one. */
export interface Principal {
  /** Stable id (user id, or `admin@<party>` for the bootstrap token). */
  id: string;
  /** Login name, e.g. `in.ncb.officer`; equals id for tokens without a user. */
  username?: string | undefined;
  displayName?: string | undefined;
  role: Role | string;
  /** ISO 3166 alpha-2 code of the party whose node this principal belongs to. */
  party: string;
  /** Agency id from shared/domain/agencies.json, e.g. `in-ncb`; undefined for node operators. */
  agency?: string | undefined;
  /** How the request proved who it is: an API token, a login session sent as a bearer token, or its cookie. */
  authMethod?: "api-token" | "session-bearer" | "session-cookie" | undefined;
  /** The login session behind the request (logout and password change act on it); unset for API tokens. */
  sessionId?: string | undefined;
  /**
   * `totp-enrolment`: signed in with the password alone by a role that must have a second factor and has none
   * yet; such a session reaches only the routes that enrol (authenticators.ts).
   */
  restriction?: "totp-enrolment" | undefined;
  /** The HTTP request acting as this principal (set by `principalOf`), so a refusal is audited with it. */
  requestId?: string | undefined;
  /**
   * Who created and who last changed this principal's account, when a decision depends on it (four eyes per
   * person: policies/access/oversight.cedar, approvals-account-links). Set by the service that asks.
   */
  accountChangers?: string[] | undefined;
}
