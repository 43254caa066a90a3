import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { ExchangeStats, ThreadSummary } from "../api/contract.ts";
import { approvals, audit, federation, threads, workplan } from "../api/endpoints.ts";
import { DeadlineClock } from "../components/DeadlineClock.tsx";
import { Empty, ErrorState, Loading, QueryState } from "../components/states.tsx";
import { nextDeadline, useFormat } from "../lib/format.ts";
import { progressByLane } from "../lib/progress.ts";
import { useUser } from "../session.tsx";
import type { LaneCompliance } from "./DeadlineChart.tsx";

const DeadlineChart = lazy(() => import("./DeadlineChart.tsx"));

/** Per-lane deadlines met and missed: from the exchange's statistics, or counted from the open threads. */
function laneCompliance(stats: ExchangeStats | undefined, open: ThreadSummary[]): LaneCompliance[] {
  const lanes = new Map<string, LaneCompliance>();
  if (stats?.items?.length) {
    for (const row of stats.items) {
      const entry = lanes.get(row.lane) ?? { lane: row.lane, onTime: 0, late: 0, open: 0 };
      entry.onTime += row.deadlines.met;
      entry.late += row.deadlines.breached;
      const total = (row.requests?.sent ?? 0) + (row.requests?.received ?? 0);
      entry.open = (entry.open ?? 0) + Math.max(0, total - row.deadlines.met - row.deadlines.breached);
      lanes.set(row.lane, entry);
    }
    return [...lanes.values()];
  }
  const now = Date.now();
  for (const thread of open) {
    const entry = lanes.get(thread.lane) ?? { lane: thread.lane, onTime: 0, late: 0 };
    const due = nextDeadline(thread.deadlines);
    if (due && new Date(due).getTime() < now) entry.late++;
    else entry.onTime++;
    lanes.set(thread.lane, entry);
  }
  return [...lanes.values()];
}

export default function Dashboard() {
  const { t } = useTranslation();
  const format = useFormat();
  const user = useUser();
  const plan = useQuery({ queryKey: ["workplan"], queryFn: workplan.get });
  const inbound = useQuery({ queryKey: ["threads", "inbound"], queryFn: () => threads.list({ direction: "inbound" }) });
  const stats = useQuery({ queryKey: ["exchange-stats"], queryFn: threads.stats });
  const waiting = useQuery({ queryKey: ["approvals"], queryFn: approvals.list });
  const alerts = useQuery({ queryKey: ["audit-alerts"], queryFn: audit.alerts });
  const peers = useQuery({ queryKey: ["peers"], queryFn: federation.peers, enabled: user.role === "administrator" });

  const openThreads = (inbound.data ?? [])
    .filter((th) => !th.deadlines?.respondedAt)
    .sort((a, b) => (nextDeadline(a.deadlines) ?? "9").localeCompare(nextDeadline(b.deadlines) ?? "9"));
  const deadLetters = (peers.data ?? []).reduce((n, p) => n + p.dead, 0);

  return (
    <div className="page">
      <h1>{t("dashboard.title")}</h1>
      <section className="alerts" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading" className="visually-hidden">
          {t("dashboard.alerts")}
        </h2>
        {(alerts.data ?? []).map((a, i) => (
          <p key={a.id ?? i} className="alert alert-danger" role="alert">
            <strong>{t(`alert.${a.kind}`, a.kind ?? t("dashboard.alert"))}</strong>
            {a.peer ? ` (${t(`party.${a.peer}`, a.peer)})` : ""} {a.detail}
            {a.at ? <span className="muted"> · {format.dateTime(a.at)}</span> : null}
          </p>
        ))}
        {deadLetters > 0 ? (
          <p className="alert alert-warning">
            <Link to="/admin">{t("dashboard.deadLetters", { count: deadLetters })}</Link>
          </p>
        ) : null}
      </section>
      <div className="grid grid-2">
        <section className="card" aria-labelledby="progress-heading">
          <h2 id="progress-heading">{t("dashboard.progress")}</h2>
          <QueryState query={plan} what={t("nav.workplan")}>
            {(data) =>
              data.initiatives.length === 0 ? (
                <Empty>{t("workplan.empty")}</Empty>
              ) : (
                <ul className="progress-list">
                  {progressByLane(data.initiatives).map((lane) => (
                    <li key={lane.lane}>
                      <div className="progress-row">
                        <span>{t(`lane.${lane.lane}`, lane.lane)}</span>
                        <span className="muted">{format.percent(lane.progress)}</span>
                      </div>
                      <progress max={1} value={lane.progress} aria-label={t(`lane.${lane.lane}`, lane.lane)} />
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryState>
        </section>
        <section className="card" aria-labelledby="waiting-heading">
          <h2 id="waiting-heading">{t("dashboard.waiting")}</h2>
          <QueryState query={inbound} what={t("nav.inbox")}>
            {() =>
              openThreads.length === 0 ? (
                <Empty>{t("dashboard.noneWaiting")}</Empty>
              ) : (
                <ul className="list">
                  {openThreads.slice(0, 6).map((th) => (
                    <li key={th.id} className="list-row">
                      <Link to={`/threads/${th.id}`}>{th.subject}</Link>
                      <DeadlineClock at={nextDeadline(th.deadlines)} />
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryState>
        </section>
        <section className="card" aria-labelledby="compliance-heading">
          <h2 id="compliance-heading">{t("dashboard.complianceChart")}</h2>
          {inbound.isPending && stats.isPending ? (
            <Loading />
          ) : inbound.error && stats.error ? (
            <ErrorState error={inbound.error} what={t("nav.inbox")} />
          ) : laneCompliance(stats.data, inbound.data ?? []).length === 0 ? (
            <Empty>{t("dashboard.noDeadlines")}</Empty>
          ) : (
            <Suspense fallback={<Loading />}>
              <DeadlineChart data={laneCompliance(stats.data, inbound.data ?? [])} />
            </Suspense>
          )}
        </section>
        <section className="card" aria-labelledby="approvals-heading">
          <h2 id="approvals-heading">{t("dashboard.approvalsWaiting")}</h2>
          <QueryState query={waiting} what={t("nav.approvals")}>
            {(items) => {
              const pending = items.filter((a) => a.status === "pending");
              return pending.length === 0 ? (
                <Empty>{t("approvals.empty")}</Empty>
              ) : (
                <p>
                  <Link to="/approvals" className="big-number">
                    {format.number(pending.length)}
                  </Link>{" "}
                  {t("dashboard.casesToDecide", { count: pending.length })}
                </p>
              );
            }}
          </QueryState>
        </section>
      </div>
    </div>
  );
}
