/**
 * Typed calls to every endpoint the UI uses, in one place. Answers and bodies are the server's schemas
 * (./contract.ts): a field the server does not send is a type error here, not a blank in the UI.
 */
import type { PublicJwk } from "../lib/jws.ts";
import { api, apiBlob, type Query, withQuery } from "./client.ts";
import type {
  AddMessageBody,
  Agency,
  AgencyDirectory,
  Approval,
  ApprovalDecisionBody,
  AssignBody,
  AuditAlert,
  AuditEvent,
  AuditLeaf,
  ComplianceDecision,
  ComplianceRequest,
  CreatedThread,
  CreateThreadBody,
  Descriptor,
  DirectoryUser,
  ExchangeStats,
  InclusionProof,
  LoginAnswer,
  Me,
  Notice,
  OutboxItem,
  Peer,
  Proposal,
  ProposeBody,
  RecoveryCodes,
  ReviewBody,
  SearchPage,
  SecondFactorAnswer,
  SecondFactorChallenge,
  SentMessage,
  Thread,
  ThreadHeader,
  ThreadSummary,
  TotpEnrolment,
  TotpStatus,
  TreeHead,
  Workplan,
} from "./contract.ts";

type Items<T> = { items: T[] };

export const auth = {
  /** A session (200), or a challenge for the second factor (202) when the account has one. */
  login: (username: string, password: string) =>
    api<LoginAnswer | SecondFactorChallenge>("POST", "/api/v1/auth/login", { username, password }),
  secondFactor: (challenge: string, answer: SecondFactorAnswer) =>
    api<LoginAnswer>("POST", "/api/v1/auth/login/second-factor", { challenge, ...answer }),
  totpStatus: () => api<TotpStatus>("GET", "/api/v1/auth/totp"),
  startTotp: () => api<TotpEnrolment>("POST", "/api/v1/auth/totp/enrolment", {}),
  confirmTotp: (code: string) => api<RecoveryCodes>("POST", "/api/v1/auth/totp/enrolment/confirm", { code }),
  renewRecoveryCodes: (code: string) => api<RecoveryCodes>("POST", "/api/v1/auth/totp/recovery-codes", { code }),
  me: () => api<Me>("GET", "/api/v1/auth/me"),
  logout: () => api<void>("POST", "/api/v1/auth/logout", {}),
};

export const node = {
  descriptor: () => api<Descriptor>("GET", "/federation/v1/descriptor"),
};

export const directory = {
  /** The node answers agencies grouped by party; the UI wants one list. */
  agencies: async (): Promise<Agency[]> => {
    const answer = await api<AgencyDirectory>("GET", "/api/v1/directory/agencies");
    return answer.parties.flatMap((p) => p.agencies);
  },
  users: async () => (await api<Items<DirectoryUser>>("GET", "/api/v1/directory/users")).items,
};

export const threads = {
  list: async (query: { direction?: "inbound" | "outbound" } & Query = {}) =>
    (await api<Items<ThreadSummary>>("GET", withQuery("/api/v1/threads", query))).items,
  get: (id: string) => api<Thread>("GET", `/api/v1/threads/${encodeURIComponent(id)}`),
  create: (body: CreateThreadBody) => api<CreatedThread>("POST", "/api/v1/threads", body),
  reply: (id: string, body: AddMessageBody) =>
    api<SentMessage>("POST", `/api/v1/threads/${encodeURIComponent(id)}/messages`, body),
  assign: (id: string, body: AssignBody) =>
    api<ThreadHeader>("POST", `/api/v1/threads/${encodeURIComponent(id)}/assign`, body),
  stats: () => api<ExchangeStats>("GET", "/api/v1/exchange/stats"),
  /** Full-text search of message text this principal may read; snippets mark hits with <b>. */
  search: async (q: string) => (await api<SearchPage>("GET", withQuery("/api/v1/exchange/search", { q }))).items,
};

export const compliance = {
  evaluate: (body: ComplianceRequest) => api<ComplianceDecision>("POST", "/api/v1/compliance/evaluate", body),
};

export const approvals = {
  list: async () => (await api<Items<Approval>>("GET", "/api/v1/approvals")).items,
  /** `determination` and `measures`: the deputy head's, for a case whose mistreatment risk was undetermined. */
  decide: (
    id: string,
    approve: boolean,
    basis: string,
    determination?: Pick<ApprovalDecisionBody, "determination" | "measures">,
  ) => {
    const body: ApprovalDecisionBody = { approve, basis, ...(determination ?? {}) };
    return api<Approval>("POST", `/api/v1/approvals/${encodeURIComponent(id)}/decision`, body);
  },
};

export const workplan = {
  get: () => api<Workplan>("GET", "/api/v1/workplan"),
  proposals: async () => (await api<Items<Proposal>>("GET", "/api/v1/workplan/proposals")).items,
  propose: (body: ProposeBody) => api<{ id: string; status: string }>("POST", "/api/v1/workplan/proposals", body),
  accept: (id: string) =>
    api<{ id: string; status: string }>("POST", `/api/v1/workplan/proposals/${encodeURIComponent(id)}/accept`, {}),
  reject: (id: string) =>
    api<{ id: string; status: string }>("POST", `/api/v1/workplan/proposals/${encodeURIComponent(id)}/reject`, {}),
  recordReview: (body: ReviewBody) => api<unknown>("POST", "/api/v1/workplan/reviews", body),
  reportPdf: () => apiBlob("/api/v1/workplan/report?format=pdf"),
};

export const audit = {
  treeHead: () => api<TreeHead>("GET", "/api/v1/audit/tree-head"),
  events: async (query: Query) => (await api<Items<AuditEvent>>("GET", withQuery("/api/v1/audit/events", query))).items,
  leaves: async (start: number, end: number) =>
    (await api<Items<AuditLeaf>>("GET", withQuery("/api/v1/audit/leaves", { start, end }))).items,
  inclusionProof: (index: number, treeSize: number) =>
    api<InclusionProof>("GET", withQuery("/api/v1/audit/proof/inclusion", { index, treeSize })),
  alerts: async () => (await api<Items<AuditAlert>>("GET", "/api/v1/audit/alerts")).items,
  /** Keys that verify this log's heads and its witnesses' countersignatures. */
  keys: () =>
    api<{ party: string; keys: PublicJwk[]; peers: { party: string; keys: PublicJwk[] }[] }>(
      "GET",
      "/api/v1/audit/keys",
    ),
};

export const federation = {
  peers: async () => (await api<Items<Peer>>("GET", "/api/v1/federation/peers")).items,
  outbox: async (status: "pending" | "delivered" | "dead") =>
    (await api<Items<OutboxItem>>("GET", withQuery("/api/v1/federation/outbox", { status }))).items,
  retry: (body: { all: true } | { envelopeIds: string[] }) =>
    api<{ retried: string[] }>("POST", "/api/v1/federation/outbox/retry", body),
};

export const notices = {
  list: async () => (await api<Items<Notice>>("GET", "/api/v1/notices")).items,
  send: (to: string, text: string, legalBases: string[]) =>
    api<unknown>("POST", "/api/v1/notices", { to, text, legalBases }),
};
