/**
 * Authorization decision cost: Cedar itself (cache off), the decision cache (repeated shapes), a cold mix of many
 * users, and what authorization adds to an HTTP request (Fastify inject, with and without `authorize`).
 * Ends with one JSON summary line.
 */
import { rmSync } from "node:fs";
import Fastify from "fastify";
import { authorize, installAuthorizer } from "../src/http/guards.ts";
import { ROLES } from "../src/modules/identity/principal.ts";
import { AccessControl } from "../src/modules/policy/access.ts";
import { ACTIONS, type Action, PolicyService } from "../src/modules/policy/policy.service.ts";
import type { AuthorizationRequest } from "../src/modules/policy/policy.types.ts";
import { startTestNode } from "../test/support/nodes.ts";

const AGENCIES = ["ca-rcmp", "ca-cbsa", "ca-csis", "ca-fintrac"];
const TLPS = ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"];

function workload(users: number, n: number): AuthorizationRequest[] {
  const requests: AuthorizationRequest[] = [];
  for (let i = 0; i < n; i++) {
    const u = i % users;
    const role = ROLES[u % ROLES.length] as string;
    requests.push({
      principal: { id: `user-${u}`, username: `ca.user${u}`, role, party: "CA", agency: AGENCIES[u % AGENCIES.length] },
      action: ACTIONS[(i * 7) % ACTIONS.length] as Action,
      resource: {
        type: "thread",
        id: `t-${i}`,
        attributes: {
          party: i % 17 === 0 ? "IN" : "CA",
          agency: AGENCIES[(i * 3) % AGENCIES.length],
          tlp: TLPS[i % TLPS.length],
          recipients: [`user-${(u + (i % 2)) % users}`],
        },
      },
    });
  }
  return requests;
}

function measure(name: string, policy: PolicyService, requests: AuthorizationRequest[]) {
  const times = new Float64Array(requests.length);
  const started = process.hrtime.bigint();
  for (let i = 0; i < requests.length; i++) {
    const t = process.hrtime.bigint();
    policy.decide(requests[i] as AuthorizationRequest);
    times[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  times.sort();
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))] as number;
  const result = {
    p50: +at(0.5).toFixed(1),
    p99: +at(0.99).toFixed(1),
    perSecond: Math.round(requests.length / totalSeconds),
  };
  console.log(
    `${name.padEnd(46)} p50 ${String(result.p50).padStart(6)} us  p99 ${String(result.p99).padStart(6)} us  ${result.perSecond.toLocaleString("en")} decisions/s`,
  );
  return result;
}

async function httpOverhead(policy: PolicyService, n: number) {
  const app = Fastify({ logger: false });
  installAuthorizer(new AccessControl({ decisions: policy, recordDenial: async () => undefined }))(app as never);
  const principal = { id: "u-1", role: "analyst", party: "CA", agency: "ca-rcmp" };
  app.addHook("preHandler", async (request) => {
    request.principal = principal;
  });
  const resource = { type: "thread", id: "t-1", attributes: { party: "CA", agency: "ca-rcmp", tlp: "TLP:AMBER" } };
  app.get("/plain", async () => ({ ok: true }));
  app.get("/authorized", async (request) => {
    await authorize(request, "thread.read", resource);
    return { ok: true };
  });
  await app.ready();
  const time = async (url: string) => {
    const t = process.hrtime.bigint();
    await app.inject({ method: "GET", url });
    return Number(process.hrtime.bigint() - t) / 1000;
  };
  for (let i = 0; i < 500; i++) await time(i % 2 ? "/plain" : "/authorized");
  // Alternate request by request, so load from other processes on the machine falls on both alike; medians.
  const plainTimes: number[] = [];
  const authorizedTimes: number[] = [];
  for (let i = 0; i < n; i++) {
    plainTimes.push(await time("/plain"));
    authorizedTimes.push(await time("/authorized"));
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const plain = median(plainTimes);
  const authorized = median(authorizedTimes);
  await app.close();
  return { plainUs: +plain.toFixed(1), authorizedUs: +authorized.toFixed(1) };
}

// The HTTP comparison runs first: run after the long Cedar loops, Node 20's V8 hit a fatal deoptimizer error
// ("unreachable code") on this machine.
const http = await httpOverhead(new PolicyService(), Number(process.env.BENCH_REQUESTS ?? 3_000));
/** A real node's authenticated route with one authorize and one SQL query, for scale. */
async function realRequest(n: number) {
  const node = await startTestNode({ party: "CA", listen: false });
  try {
    const times: number[] = [];
    for (let i = 0; i < n + 50; i++) {
      const t = process.hrtime.bigint();
      const response = await node.api("GET", "/api/v1/reports/aca?year=2026");
      if (response.status !== 200) throw new Error(`report: ${response.status}`);
      if (i >= 50) times.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    times.sort((a, b) => a - b);
    return { medianUs: +(times[Math.floor(times.length / 2)] as number).toFixed(1) };
  } finally {
    await node.close();
    rmSync(node.dataDir, { recursive: true, force: true });
  }
}

const real = await realRequest(Number(process.env.BENCH_REAL_REQUESTS ?? 500));
const N = Number(process.env.BENCH_DECISIONS ?? 20_000);
const cedarOnly = new PolicyService({ cacheSize: 0 });
const cached = new PolicyService();
const repeated = workload(50, N);
measure("warm-up", cedarOnly, repeated.slice(0, 2000));
console.log(
  `Policy decisions (${N} per run; ${cedarOnly.access.policies.size} access policies, partitioned by action)`,
);
const cedar = measure("Cedar per decision (cache off)", cedarOnly, repeated);
measure("warm-up", cached, repeated);
const warm = measure("decision cache, 50 users (warm)", cached, repeated);
const coldService = new PolicyService();
const cold = measure("decision cache, 5,000 users, fresh service", coldService, workload(5_000, N));
const overheadPercent = +(((http.authorizedUs - http.plainUs) / http.plainUs) * 100).toFixed(1);
const addedUs = +(http.authorizedUs - http.plainUs).toFixed(1);
const realOverheadPercent = +((addedUs / real.medianUs) * 100).toFixed(1);
console.log(
  `HTTP, trivial route (inject, median): ${http.plainUs} us without, ${http.authorizedUs} us with authorize (+${addedUs} us, +${overheadPercent}%)`,
);
console.log(
  `HTTP, real route GET /api/v1/reports/aca on a PGlite node (median): ${real.medianUs} us; authorization's ${addedUs} us is ${realOverheadPercent}% of it`,
);
console.log(
  JSON.stringify({
    bench: "policy",
    decisions: N,
    cedar,
    cachedWarm: warm,
    cachedColdMix: cold,
    http: { ...http, addedUs, overheadPercent, realRequestUs: real.medianUs, realOverheadPercent },
    targets: { p50Us: 50, p99Us: 200, perSecond: 20_000, httpOverheadPercent: 10 },
  }),
);
