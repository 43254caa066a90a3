/** Shapes of the node's REST API as the UI reads them. Optional fields: modules land at different times. */
export interface User {
  id: string;
  username: string;
  displayName?: string;
  role: string;
  party: string;
  agency?: string;
}

export interface Deadlines {
  acknowledgeBy?: string | null;
  respondBy?: string | null;
  acknowledgedAt?: string | null;
  respondedAt?: string | null;
}

export interface ThreadSummary {
  id: string;
  subject: string;
  lane: string;
  priority: string;
  kind?: string;
  status?: string;
  direction?: "inbound" | "outbound";
  fromParty?: string;
  toParty?: string;
  fromAgency?: string;
  toAgency?: string;
  assignedAgency?: string | null;
  assignee?: string | null;
  /** The other party of the thread. */
  peer?: string;
  tlp?: string;
  startedAt?: string;
  createdAt?: string;
  msLeft?: number | null;
  deadlines: Deadlines;
}

/** Structured as the exchange module validates them: { type: "phone", number }, { type: "person", name }, ... */
export type Entity = { type: string } & Record<string, unknown>;

export interface Attachment {
  id?: string;
  name: string;
  size?: number;
  contentType?: string;
  sha256?: string;
}

export interface Grading {
  source?: string;
  information?: string;
}

export interface Message {
  id: string;
  kind?: string;
  direction?: "inbound" | "outbound";
  status?: string;
  text?: string;
  fromAgency?: string | null;
  toAgency?: string | null;
  sentBy?: string;
  responseType?: string | null;
  refusalReason?: string | null;
  refusalCode?: string | null;
  decision?: string | null;
  tlp?: string;
  permittedUse?: string[];
  legalBases?: string[];
  grading?: Grading | string | null;
  entities?: Entity[];
  attachments?: Attachment[];
  createdAt?: string;
  deliveredAt?: string | null;
  readAt?: string | null;
  withdrawnAt?: string | null;
}

export interface Thread extends ThreadSummary {
  messages: Message[];
}

export interface ExchangeStats {
  items: {
    lane: string;
    priority: string;
    requests?: { sent: number; received: number };
    deadlines: { met: number; breached: number };
  }[];
}

export interface ComplianceRequest {
  kind: "request" | "disclosure";
  to: string;
  fromAgency: string;
  toAgency?: string;
  lane: string;
  legalBases: string[];
  personalData: boolean;
  purpose?: string;
  /** From the controlled list of compliance.fields.ts (PURPOSE_CODES). */
  purposeCode?: string;
  intendedUse: "intelligence" | "lead" | "evidence";
  mistreatmentRisk?: { level: string };
  /** The message's text and entities: the gate derives personal data and a stated trial from them. */
  text?: string;
  entities?: Entity[];
  grading?: Grading;
  tlp: string;
  permittedUse: string[];
}
export interface ComplianceDecision {
  decision: "allow" | "refuse" | "escalate";
  reasons: { policy: string; text: string }[];
  instruments?: string[];
}

export interface Approval {
  id: string;
  kind?: string;
  subjectId?: string;
  agency?: string;
  requester?: string;
  summary?: string;
  /** The case as the requester submitted it to the compliance gate. */
  input?: Record<string, unknown>;
  /** The gate's assessment: decision and reasons. */
  decision?: { decision?: string; reasons?: { policy: string; text: string }[]; instruments?: string[] } | null;
  status?: "pending" | "approved" | "rejected" | string;
  approver?: string | null;
  basis?: string | null;
  createdAt?: string;
  decidedAt?: string | null;
}

export interface Milestone {
  id: string;
  title: string;
  dueDate?: string | null;
  owner?: string;
  status?: string;
}
export interface Initiative {
  id: string;
  title: string;
  lane: string;
  status?: string;
  objective?: string;
  health?: Record<string, string | null>;
  progress?: { id: string; party: string; date: string; note: string }[];
  milestones?: Milestone[];
}
export interface Proposal {
  id: string;
  initiativeId: string;
  change: { field: string; value?: unknown; milestoneId?: string };
  /** The party that proposed. */
  proposer?: string;
  /** Who, at that party. */
  proposedBy?: string;
  proposedAt?: string;
  status: string;
  decidedByParty?: string | null;
  reason?: string | null;
}
export interface ReviewMeeting {
  id: string;
  party?: string;
  date: string;
  title: string;
  attendees?: string[];
  decisions?: string[];
}
export interface Workplan {
  party?: string;
  initiatives: Initiative[];
  proposals?: Proposal[];
  reviews?: ReviewMeeting[];
}

export interface Agency {
  id: string;
  acronym?: string;
  name: string;
  party: string;
  mandate?: string;
  lanes?: string[];
}
export interface DirectoryUser {
  userId: string;
  username?: string;
  displayName?: string;
  role?: string;
  party: string;
  agency?: string | null;
  lanes?: string[];
}

export interface TreeHead {
  signed: string;
  treeSize?: number;
  rootHash?: string;
  timestamp?: string;
  witnesses?: { party: string; signed: string; treeSize?: number; rootHash?: string; receivedAt?: string }[];
}
export interface AuditEvent {
  index?: number;
  id?: string;
  at?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  details?: unknown;
  [key: string]: unknown;
}
export interface AuditLeaf {
  index: number;
  data: string;
  event?: AuditEvent;
}
export interface AuditAlert {
  id?: string;
  at?: string;
  peer?: string;
  kind?: string;
  treeSize?: number | null;
  detail?: string;
}

export interface Peer {
  party: string;
  name: string;
  baseUrl: string;
  kids?: string[];
  pending: number;
  dead: number;
  delivered: number;
  lastDeliveredAt: string | null;
}
export interface OutboxItem {
  envelope_id: string;
  peer: string;
  type: string;
  status: string;
  attempts: number;
  created_at: string;
  next_attempt_at?: string | null;
  last_error_code?: string | null;
  last_error?: string | null;
  delivered_at?: string | null;
  dead_at?: string | null;
}
export interface Notice {
  id: string;
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  text: string;
  sentBy?: string;
  createdAt: string;
  outboxStatus?: string | null;
  deliveredAt?: string | null;
}
export interface Descriptor {
  party: string;
  name: string;
  baseUrl: string;
}
