import { isIP } from "node:net";
import { z } from "zod";
import { PartyCode } from "../core/party.ts";

const seconds = z.number().positive();

/** Federation tuning. Defaults suit a national node; tests and benchmarks tighten them. */
export const FederationConfig = z
  .object({
    /** Envelopes older than this (by their createdAt) are refused as stale. Keep above deadLetterAfterSeconds. */
    maxEnvelopeAgeSeconds: seconds.default(72 * 3600),
    /** Envelopes dated further than this in the future are refused: the two clocks disagree too much. */
    maxClockSkewSeconds: seconds.default(300),
    /** An outbox row still undelivered after this long moves to the dead letters. */
    deadLetterAfterSeconds: seconds.default(48 * 3600),
    /** Envelopes per POST to the peer. */
    batchSize: z.number().int().min(1).max(1000).default(100),
    /** Batches in flight at once per node process. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Retry back-off: first delay, cap, both in seconds; full jitter is applied. */
    retryBaseSeconds: seconds.default(0.5),
    retryMaxSeconds: seconds.default(300),
    /** How long a claimed outbox row stays reserved for the process that claimed it. */
    leaseSeconds: seconds.default(30),
    /**
     * How long a lane woken by a commit waits before claiming, so commits arriving together leave in one batch
     * (one claim, one POST, one receiving transaction) instead of one each.
     */
    lingerMs: z.number().int().min(0).max(1000).default(2),
    /** How often an idle worker looks for due rows (another process may have written them). */
    pollIntervalMs: z.number().int().positive().default(200),
    /** Inbound limits. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    maxBatchEnvelopes: z.number().int().positive().default(1000),
    maxEnvelopeBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    /**
     * Inbound envelopes decrypted and verified at once, across all requests. Crypto runs on libuv's four
     * threads, so more in flight only holds more memory: a receiver taking eight batches of 250 at once peaked
     * ~20 MB higher on PostgreSQL and ~40 MB higher on PGlite without a bound; 256 cost no throughput where 128
     * cost 5% (docs/benchmarks.md, Federation).
     */
    inboxVerifyConcurrency: z.number().int().min(1).max(10_000).default(256),
    /**
     * Inbox requests per minute from one client address that has not delivered an envelope a pinned key signed
     * in the last 15 minutes (nor presented a verified client certificate); beyond it, 429.
     */
    unauthenticatedRatePerMinute: z.number().int().min(1).default(60),
    /** Envelopes per second accepted from one peer (token bucket, burst = 2 s worth). */
    peerRatePerSecond: z.number().positive().default(5000),
    requestTimeoutMs: z.number().int().positive().default(15_000),
    /** Largest answer read from a peer (batch results, descriptor, witness records); larger ones are refused. */
    maxPeerResponseBytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
  })
  .strict();

export const TlsConfig = z
  .object({
    /** PEM files. With `ca` set, the server requires client certificates signed by it (mutual TLS). */
    certFile: z.string(),
    keyFile: z.string(),
    caFile: z.string().optional(),
  })
  .strict();

export const PeerConfig = z
  .object({
    /** A descriptor file (JSON) to pin at start-up; equivalent to `liaison peers add <file>`. */
    descriptorFile: z.string(),
  })
  .strict();

/** Users, sessions and login protection. Optional: every field has a default. */
export const IdentityConfig = z
  .object({
    /** Absolute lifetime of a login session. */
    sessionTtlSeconds: seconds.default(12 * 3600),
    /** A session unused for this long ends. */
    sessionIdleSeconds: seconds.default(30 * 60),
    /**
     * Failed logins for one username from one client before that pair has to wait. Counted per username AND
     * client address, so nobody elsewhere can lock a user out (docs/identity.md).
     */
    maxFailedLogins: z.number().int().min(1).default(5),
    /** The first wait after maxFailedLogins failures; each further failure doubles it, up to lockoutSeconds. */
    loginDelaySeconds: seconds.default(30),
    /** The longest wait between attempts for one username from one client. */
    lockoutSeconds: seconds.default(15 * 60),
    /** Login attempts per minute from one client address (the forwarded one behind a trusted proxy). */
    loginRatePerMinute: z.number().int().min(1).default(30),
    /** How long an API token lives unless it is issued with its own lifetime, the administrator's included. */
    apiTokenTtlDays: z.number().positive().max(3650).default(90),
    /**
     * scrypt cost, log2 N (17: OWASP's 2^17, 128 MiB a hash). Only `mode: test` may go lower (the suite hashes
     * hundreds of passwords on a 2-core machine); every other mode refuses less than 17 at start-up.
     */
    passwordHashCost: z.number().int().min(10).max(18).default(17),
    /**
     * Roles that must have a second factor (TOTP) for password sign-in: until they enrol, signing in opens a
     * session that may only enrol. Other roles may enrol.
     */
    totpRequiredRoles: z.array(z.string().min(1)).default(["administrator", "approver"]),
  })
  .strict();

/** Audit log witnessing. Optional: every field has a default. */
export const AuditConfig = z
  .object({
    /**
     * Recorded events not yet countersigned by a peer after this long raise an alert (metric, log line, audit
     * record); `liaison audit verify --countersign-age` applies the same default.
     */
    countersignatureMaxAgeSeconds: seconds.default(3600),
    /** How often the node checks that. */
    countersignatureCheckSeconds: seconds.default(60),
  })
  .strict();

/** An IPv4 or IPv6 address, optionally with a CIDR prefix: what proxy-addr (Fastify's trustProxy) accepts. */
const AddressOrCidr = z.string().refine((value) => {
  const [address, prefix, ...rest] = value.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}, "an IP address or CIDR range, e.g. 10.0.0.5 or 10.0.0.0/8");

/** Operations endpoints: where Prometheus scrapes /metrics. */
export const OperationsConfig = z
  .object({
    /**
     * A second listener serving /metrics, /healthz and /readyz only, e.g. on an internal interface. Unset: no
     * such listener.
     */
    listen: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65535),
      })
      .strict()
      .optional(),
    /**
     * A bearer token (at least 32 characters) that opens /metrics on the main listener. Unset (the default),
     * /metrics is not served there at all. Prefer metricsTokenFile: a file keeps the secret out of the config.
     */
    metricsToken: z.string().min(32).optional(),
    /** A file holding the metrics token (first line). */
    metricsTokenFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((o) => !(o.metricsToken && o.metricsTokenFile), "give metricsToken or metricsTokenFile, not both");

export const NodeConfig = z
  .object({
    party: PartyCode,
    name: z.string().min(1),
    mode: z.enum(["production", "demo", "development", "test"]).default("production"),
    listen: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(7100),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 7100 }),
    /** The URL the peer uses to reach this node (behind a proxy it differs from the listen address). */
    baseUrl: z.url(),
    dataDir: z.string().min(1),
    /** postgres://... for PostgreSQL; unset means embedded PGlite in <dataDir>/db. */
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "databaseUrl must be a postgres:// URL")
      .optional(),
    /** PostgreSQL schema to use (tests give each node its own). */
    databaseSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .optional(),
    /**
     * Shared buffers of the embedded PGlite database, in MB: most of its memory. Its files still sit in the
     * operating system's page cache, so a small pool costs little speed. Ignored on PostgreSQL.
     */
    embeddedSharedBuffersMb: z.number().int().min(1).max(4096).default(32),
    /**
     * How often the embedded PGlite database vacuums the tables that churn (it has no autovacuum), in seconds;
     * 0 turns it off. On PostgreSQL used only when the server's autovacuum is off (src/db/churn-vacuum.ts).
     */
    embeddedVacuumSeconds: z.number().min(0).max(86_400).default(10),
    /**
     * How far V8 lets the JavaScript heap grow past what the last full collection kept before it collects again,
     * in percent. Unset: 25 on embedded storage, whose database shares the process's memory, and 100 on
     * PostgreSQL (src/node/heap-growth.ts). 0 means V8's own choice, up to 300.
     */
    heapGrowthPercent: z.number().int().min(0).max(1000).optional(),
    tls: TlsConfig.optional(),
    /** Client certificate for calls to peers (mutual TLS). */
    clientTls: TlsConfig.optional(),
    peers: z.array(PeerConfig).default([]),
    federation: FederationConfig.default(FederationConfig.parse({})),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Run the outbox delivery worker in this process. */
    deliveryWorker: z.boolean().default(true),
    /** Folder of the domain JSON files (agencies.json, ...); default: the repository's domain/ (src/config/domain-dir.ts). */
    domainDir: z.string().min(1).optional(),
    /** Folder of the Cedar schema, access policies and party packs; default: the repository's policies/. */
    policyDir: z.string().min(1).optional(),
    identity: IdentityConfig.default(IdentityConfig.parse({})),
    audit: AuditConfig.default(AuditConfig.parse({})),
    operations: OperationsConfig.default({}),
    /**
     * Addresses (or CIDR ranges) of reverse proxies whose X-Forwarded-For this node believes. A request from one
     * of them is attributed to the client the header names (login rate limits and lockout key on it); from
     * anyone else the header is ignored. Empty (the default): the socket address is the client.
     */
    trustedProxies: z.array(AddressOrCidr).default([]),
  })
  .strict()
  .refine((c) => c.mode === "test" || c.identity.passwordHashCost >= 17, {
    path: ["identity", "passwordHashCost"],
    message: "below 17 (scrypt N=2^17) only in mode test",
  });

export type NodeConfig = z.infer<typeof NodeConfig>;
export type FederationConfig = z.infer<typeof FederationConfig>;
export type IdentityConfig = z.infer<typeof IdentityConfig>;
export type AuditConfig = z.infer<typeof AuditConfig>;
export type OperationsConfig = z.infer<typeof OperationsConfig>;
