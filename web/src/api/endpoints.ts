/** Typed calls to every endpoint the UI uses, in one place. */
import type { PublicJwk } from "../lib/jws.ts";
import { api, apiBlob, itemsOf, type Query, withQuery } from "./client.ts";
import type {
  Agency,
  Approval,
  AuditAlert,
  AuditEvent,
  AuditLeaf,
  ComplianceDecision,
  ComplianceRequest,
  Descriptor,
  DirectoryUser,
  ExchangeStats,
  Notice,
  OutboxItem,
  Peer,
  Proposal,
  Thread,
  ThreadSummary,
  TreeHead,
  User,
  Workplan,
} from "./types.ts";

type Items<T> = { items?: T[] } | T[];

export const auth = {
  login: (username: string, password: string) =>
    api<{ token?: string; user: User }>("POST", "/api/v1/auth/login", { username, password }),
  me: () => api<User>("GET", "/api/v1/auth/me"),
  logout: () => api<void>("POST", "/api/v1/auth/logout", {}),
};

export const node = {
  descriptor: () => api<Descriptor>("GET", "/federation/v1/descriptor"),
};

export const directory = {
  /** The node answers agencies grouped by party; the UI wants one list. */
  agencies: async (): Promise<Agency[]> => {
    const answer = await api<{ parties?: { code: string; agencies: Agency[] }[] } | Items<Agency>>(
      "GET",
      "/api/v1/directory/agencies",
    );
    if (!Array.isArray(answer) && "parties" in answer && answer.parties)
      return answer.parties.flatMap((p) => p.agencies.map((a) => ({ ...a, party: a.party ?? p.code })));
    return itemsOf(answer as Items<Agency>);
  },
  users: async () => itemsOf(await api<Items<DirectoryUser>>("GET", "/api/v1/directory/users")),
};

export const threads = {
  list: async (query: { direction?: "inbound" | "outbound" } & Query = {}) =>
    itemsOf(await api<Items<ThreadSummary>>("GET", withQuery("/api/v1/threads", query))),
  get: (id: string) => api<Thread>("GET", `/api/v1/threads/${encodeURIComponent(id)}`),
  create: (body: Record<string, unknown>) => api<Thread>("POST", "/api/v1/threads", body),
  reply: (id: string, body: Record<string, unknown>) =>
    api<unknown>("POST", `/api/v1/threads/${encodeURIComponent(id)}/messages`, body),
  assign: (id: string, body: { agency: string; assignee?: string }) =>
    api<unknown>("POST", `/api/v1/threads/${encodeURIComponent(id)}/assign`, body),
  stats: () => api<ExchangeStats>("GET", "/api/v1/exchange/stats"),
  /** Full-text search of message text this principal may read; snippets mark hits with <b>. */
  search: async (q: string) =>
    itemsOf(
      await api<Items<{ id: string; threadId: string; subject: string; lane: string; kind: string; snippet: string }>>(
        "GET",
        withQuery("/api/v1/exchange/search", { q }),
      ),
    ),
};

export const compliance = {
  evaluate: (body: ComplianceRequest) => api<ComplianceDecision>("POST", "/api/v1/compliance/evaluate", body),
};

export const approvals = {
  list: async () => itemsOf(await api<Items<Approval>>("GET", "/api/v1/approvals")),
  /** `determination` and `measures`: the deputy head's, for a case whose mistreatment risk was undetermined. */
  decide: (
    id: string,
    approve: boolean,
    basis: string,
    determination?: { determination: string; measures: Record<string, unknown>[] },
  ) =>
    api<unknown>("POST", `/api/v1/approvals/${encodeURIComponent(id)}/decision`, {
      approve,
      basis,
      ...(determination ?? {}),
    }),
};

export const workplan = {
  get: () => api<Workplan>("GET", "/api/v1/workplan"),
  proposals: async () => itemsOf(await api<Items<Proposal>>("GET", "/api/v1/workplan/proposals")),
  propose: (body: Record<string, unknown>) => api<Proposal>("POST", "/api/v1/workplan/proposals", body),
  accept: (id: string) => api<unknown>("POST", `/api/v1/workplan/proposals/${encodeURIComponent(id)}/accept`, {}),
  reject: (id: string) => api<unknown>("POST", `/api/v1/workplan/proposals/${encodeURIComponent(id)}/reject`, {}),
  recordReview: (body: { date: string; title: string; attendees: string[]; decisions: string[] }) =>
    api<unknown>("POST", "/api/v1/workplan/reviews", body),
  reportPdf: () => apiBlob("/api/v1/workplan/report?format=pdf"),
};

export const audit = {
  treeHead: () => api<TreeHead>("GET", "/api/v1/audit/tree-head"),
  events: async (query: Query) =>
    itemsOf(await api<Items<AuditEvent>>("GET", withQuery("/api/v1/audit/events", query))),
  leaves: async (start: number, end: number) =>
    itemsOf(await api<Items<AuditLeaf>>("GET", withQuery("/api/v1/audit/leaves", { start, end }))),
  inclusionProof: (index: number, treeSize: number) =>
    api<{ path: string[] }>("GET", withQuery("/api/v1/audit/proof/inclusion", { index, treeSize })),
  alerts: async () => itemsOf(await api<Items<AuditAlert>>("GET", "/api/v1/audit/alerts")),
  /** Keys that verify this log's heads and its witnesses' countersignatures. */
  keys: () =>
    api<{ party: string; keys: PublicJwk[]; peers: { party: string; keys: PublicJwk[] }[] }>(
      "GET",
      "/api/v1/audit/keys",
    ),
};

export const federation = {
  peers: async () => itemsOf(await api<Items<Peer>>("GET", "/api/v1/federation/peers")),
  outbox: async (status: "pending" | "delivered" | "dead") =>
    itemsOf(await api<Items<OutboxItem>>("GET", withQuery("/api/v1/federation/outbox", { status }))),
  retry: (body: { all: true } | { envelopeIds: string[] }) =>
    api<{ retried: string[] }>("POST", "/api/v1/federation/outbox/retry", body),
};

export const notices = {
  list: async () => itemsOf(await api<Items<Notice>>("GET", "/api/v1/notices")),
  send: (to: string, text: string, legalBases: string[]) =>
    api<unknown>("POST", "/api/v1/notices", { to, text, legalBases }),
};
