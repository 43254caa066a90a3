import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Initiative, Proposal, ProposeBody } from "../api/contract.ts";
import { workplan } from "../api/endpoints.ts";
import { Empty, ErrorState, QueryState } from "../components/states.tsx";
import { LANES } from "../lib/domain.ts";
import { useFormat } from "../lib/format.ts";
import { initiativeProgress } from "../lib/progress.ts";
import { useUser } from "../session.tsx";

function InitiativeCard({ initiative }: { initiative: Initiative }) {
  const { t } = useTranslation();
  const format = useFormat();
  const progress = initiativeProgress(initiative);
  return (
    <article className="initiative" aria-labelledby={`init-${initiative.id}`}>
      <h3 id={`init-${initiative.id}`}>{initiative.title}</h3>
      <div className="progress-row">
        <span className="pill">{t(`status.${initiative.status ?? "agreed"}`, initiative.status ?? "")}</span>
        <span className="muted">{format.percent(progress)}</span>
      </div>
      <progress max={1} value={progress} aria-label={t("workplan.progressOf", { title: initiative.title })} />
      {initiative.milestones?.length ? (
        <ul className="milestones">
          {initiative.milestones.map((m) => (
            <li key={m.id} className={m.status === "done" ? "done" : ""}>
              <span aria-hidden="true">{m.status === "done" ? "✓" : "○"}</span> {m.title}
              <span className="muted small"> {format.date(m.dueDate)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">{t("workplan.noMilestones")}</p>
      )}
    </article>
  );
}

/** What a proposal would change, in words: "New milestone: X (due 1 May 2026)". */
function describeChange(
  proposal: Proposal,
  t: (key: string, options?: Record<string, unknown>) => string,
  date: (d: string) => string,
) {
  const { field, value } = proposal.change;
  if (field === "milestone.add" && value && typeof value === "object") {
    const m = value as { title?: string; dueDate?: string };
    return t("workplan.changeMilestoneAdd", { title: m.title ?? "", due: m.dueDate ? date(m.dueDate) : "—" });
  }
  if (field === "milestone.dueDate" && typeof value === "string")
    return t("workplan.changeDueDate", { due: date(value) });
  return t("workplan.changeField", { field, value: typeof value === "string" ? value : JSON.stringify(value) });
}

function ProposalRow({ proposal, initiatives }: { proposal: Proposal; initiatives: Initiative[] }) {
  const { t } = useTranslation();
  const user = useUser();
  const format = useFormat();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["workplan"] });
  const accept = useMutation({ mutationFn: () => workplan.accept(proposal.id), onSuccess: refresh });
  const reject = useMutation({ mutationFn: () => workplan.reject(proposal.id), onSuccess: refresh });
  // `proposer` is the proposing party; `proposedBy` the person.
  const from = proposal.proposer;
  const pending = proposal.status === "proposed";
  const initiative = initiatives.find((i) => i.id === proposal.initiativeId);
  return (
    <li className="list-block proposal" data-testid="proposal">
      <div>
        <strong>{describeChange(proposal, t, format.date)}</strong>
        <div className="muted small">
          {initiative ? `${initiative.title} · ` : ""}
          {from ? `${t(`party.${from}`, from)} · ` : ""}
          {format.dateTime(proposal.proposedAt)}
        </div>
      </div>
      {pending && from && from !== user.party ? (
        <div className="actions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => accept.mutate()}
            disabled={accept.isPending}
          >
            {t("workplan.accept")}
          </button>
          <button type="button" className="button" onClick={() => reject.mutate()} disabled={reject.isPending}>
            {t("workplan.reject")}
          </button>
        </div>
      ) : (
        <span
          className={`pill ${proposal.status === "accepted" ? "pill-good" : proposal.status === "rejected" ? "pill-bad" : ""}`}
        >
          {pending ? t("workplan.awaitingOther") : t(`status.${proposal.status}`, proposal.status)}
        </span>
      )}
      {accept.error || reject.error ? <ErrorState error={accept.error ?? reject.error} /> : null}
    </li>
  );
}

function ProposeForm({ initiatives }: { initiatives: Initiative[] }) {
  const { t } = useTranslation();
  const user = useUser();
  const queryClient = useQueryClient();
  const propose = useMutation({
    mutationFn: (body: ProposeBody) => workplan.propose(body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workplan"] }),
  });
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    propose.mutate(
      {
        initiativeId: String(form.get("initiative")),
        change: {
          field: "milestone.add",
          value: { title: String(form.get("title") ?? ""), dueDate: String(form.get("due") ?? ""), owner: user.party },
        },
      },
      { onSuccess: () => (event.target as HTMLFormElement).reset() },
    );
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-labelledby="propose-heading">
      <h3 id="propose-heading">{t("workplan.propose")}</h3>
      <div className="field">
        <label htmlFor="p-initiative">{t("workplan.initiative")}</label>
        <select id="p-initiative" name="initiative" required>
          {initiatives.map((i) => (
            <option key={i.id} value={i.id}>
              {i.title}
            </option>
          ))}
        </select>
      </div>
      <div className="field-row">
        <div className="field grow">
          <label htmlFor="p-title">{t("workplan.milestone")}</label>
          <input id="p-title" name="title" required maxLength={300} />
        </div>
        <div className="field">
          <label htmlFor="p-due">{t("workplan.due")}</label>
          <input id="p-due" name="due" type="date" required />
        </div>
      </div>
      {propose.error ? <ErrorState error={propose.error} /> : null}
      <button type="submit" className="button button-primary" disabled={propose.isPending}>
        {t("workplan.submitProposal")}
      </button>
    </form>
  );
}

function ReviewForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const record = useMutation({
    mutationFn: workplan.recordReview,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workplan"] }),
  });
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const lines = (name: string) =>
      String(form.get(name) ?? "")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    record.mutate(
      {
        date: String(form.get("date")),
        title: String(form.get("title")),
        attendees: lines("attendees"),
        decisions: lines("decisions"),
      },
      { onSuccess: () => (event.target as HTMLFormElement).reset() },
    );
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-labelledby="review-form-heading">
      <h3 id="review-form-heading">{t("workplan.recordReview")}</h3>
      <div className="field-row">
        <div className="field grow">
          <label htmlFor="r-title">{t("workplan.reviewTitle")}</label>
          <input id="r-title" name="title" required maxLength={300} />
        </div>
        <div className="field">
          <label htmlFor="r-date">{t("workplan.reviewDate")}</label>
          <input id="r-date" name="date" type="date" required />
        </div>
      </div>
      <div className="field">
        <label htmlFor="r-decisions">{t("workplan.decisions")}</label>
        <textarea id="r-decisions" name="decisions" rows={3} aria-describedby="r-decisions-hint" />
        <p id="r-decisions-hint" className="hint">
          {t("workplan.onePerLine")}
        </p>
      </div>
      {record.error ? <ErrorState error={record.error} /> : null}
      <button type="submit" className="button" disabled={record.isPending}>
        {t("workplan.record")}
      </button>
    </form>
  );
}

export default function WorkplanBoard() {
  const { t } = useTranslation();
  const format = useFormat();
  const plan = useQuery({ queryKey: ["workplan"], queryFn: workplan.get });
  const proposals = useQuery({ queryKey: ["workplan", "proposals"], queryFn: workplan.proposals });
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const coordinator = useUser().role === "workplan-coordinator";

  async function download() {
    setDownloadError(null);
    try {
      const blob = await workplan.reportPdf();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = "workplan-report.pdf";
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setDownloadError(error);
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("workplan.title")}</h1>
        <button type="button" className="button" onClick={() => void download()}>
          {t("workplan.download")}
        </button>
      </div>
      {downloadError ? <ErrorState error={downloadError} what={t("workplan.report")} /> : null}
      <QueryState query={plan} what={t("workplan.title")}>
        {(data) => (
          <>
            <div className="board">
              {LANES.filter((lane) => data.initiatives.some((i) => i.lane === lane)).map((lane) => (
                <section key={lane} className="lane" aria-labelledby={`lane-${lane}`}>
                  <h2 id={`lane-${lane}`}>{t(`lane.${lane}`)}</h2>
                  {data.initiatives
                    .filter((i) => i.lane === lane)
                    .map((i) => (
                      <InitiativeCard key={i.id} initiative={i} />
                    ))}
                </section>
              ))}
            </div>
            <div className="grid grid-2">
              <section className="card" aria-labelledby="proposals-heading">
                <h2 id="proposals-heading">{t("workplan.proposals")}</h2>
                <QueryState query={proposals} what={t("workplan.proposals")}>
                  {(items) =>
                    items.length === 0 ? (
                      <Empty>{t("workplan.noProposals")}</Empty>
                    ) : (
                      <ul className="list">
                        {[...items].reverse().map((p) => (
                          <ProposalRow key={p.id} proposal={p} initiatives={data.initiatives} />
                        ))}
                      </ul>
                    )
                  }
                </QueryState>
                {coordinator && data.initiatives.length ? <ProposeForm initiatives={data.initiatives} /> : null}
              </section>
              <section className="card" aria-labelledby="reviews-heading">
                <h2 id="reviews-heading">{t("workplan.reviews")}</h2>
                {data.reviews?.length ? (
                  <ul className="list">
                    {data.reviews.map((r) => (
                      <li key={r.id} className="list-block">
                        <strong>{r.title}</strong> <span className="muted">{format.date(r.date)}</span>
                        {r.party ? <span className="muted small"> · {t(`party.${r.party}`, r.party)}</span> : null}
                        {r.decisions?.length ? (
                          <ul className="small">
                            {r.decisions.map((d) => (
                              <li key={d}>{d}</li>
                            ))}
                          </ul>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <Empty>{t("workplan.noReviews")}</Empty>
                )}
                {coordinator ? <ReviewForm /> : null}
              </section>
            </div>
          </>
        )}
      </QueryState>
    </div>
  );
}
