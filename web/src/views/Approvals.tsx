import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Approval, ApprovalDecisionBody } from "../api/contract.ts";
import { approvals, directory } from "../api/endpoints.ts";
import { Empty, ErrorState, QueryState } from "../components/states.tsx";
import { AGENCIES } from "../lib/domain.ts";
import { useFormat } from "../lib/format.ts";

/** Caveat measures the deputy head may name; each must already be attached to the held message. */
const CAVEAT_MEASURES = [
  "caveat-h2",
  "caveat-tlp-amber-or-narrower",
  "caveat-named-recipients",
  "caveat-restricted-use",
] as const;

type Measures = { caveats: string[]; givenBy: string; givenAt: string; summary: string };

/**
 * ACA direction 1(3): an undetermined case is approved only on the determination that the risk can be mitigated,
 * with the measures (a written assurance, caveats on the message). The server checks each against the message.
 */
function Determination({ id, value, onChange }: { id: string; value: Measures; onChange: (v: Measures) => void }) {
  const { t } = useTranslation();
  return (
    <fieldset className="field">
      <legend>{t("approvals.measures")}</legend>
      <p className="hint">{t("approvals.measuresHint")}</p>
      {CAVEAT_MEASURES.map((m) => (
        <label key={m} className="check">
          <input
            type="checkbox"
            checked={value.caveats.includes(m)}
            onChange={(e) =>
              onChange({
                ...value,
                caveats: e.target.checked ? [...value.caveats, m] : value.caveats.filter((c) => c !== m),
              })
            }
          />
          <code>{m}</code>
        </label>
      ))}
      <label htmlFor={`${id}-by`}>{t("approvals.assuranceBy")}</label>
      <input id={`${id}-by`} value={value.givenBy} onChange={(e) => onChange({ ...value, givenBy: e.target.value })} />
      <label htmlFor={`${id}-at`}>{t("approvals.assuranceAt")}</label>
      <input
        id={`${id}-at`}
        type="date"
        value={value.givenAt}
        onChange={(e) => onChange({ ...value, givenAt: e.target.value })}
      />
      <label htmlFor={`${id}-summary`}>{t("approvals.assuranceSummary")}</label>
      <input
        id={`${id}-summary`}
        value={value.summary}
        onChange={(e) => onChange({ ...value, summary: e.target.value })}
      />
    </fieldset>
  );
}

type Measure = NonNullable<ApprovalDecisionBody["measures"]>[number];

function measuresOf(v: Measures): Measure[] {
  // The checkboxes offer the caveat measures of compliance.fields.ts (MITIGATION_MEASURES) and nothing else.
  const measures = v.caveats.map((measure) => ({ measure }) as Measure);
  if (v.givenBy.trim() && v.givenAt && v.summary.trim()) {
    measures.push({
      measure: "written-assurance",
      givenBy: v.givenBy.trim(),
      givenAt: v.givenAt,
      summary: v.summary.trim(),
    });
  }
  return measures;
}

/** The case in words: translated field names, agencies by acronym, grading as "B2", the risk level named. */
function CaseFacts({ value }: { value: Record<string, unknown> | undefined }) {
  const { t } = useTranslation();
  if (!value) return null;
  const show = (key: string, v: unknown): string => {
    if (v === null || v === undefined) return "—";
    if (typeof v === "boolean") return v ? t("common.yes") : t("common.no");
    if ((key === "fromAgency" || key === "toAgency") && typeof v === "string") return AGENCIES[v]?.acronym ?? v;
    if (key === "lane" && typeof v === "string") return t(`lane.${v}`, v);
    if (key === "kind" && typeof v === "string") return t(`kind.${v}`, v);
    if (key === "intendedUse" && typeof v === "string") return t(`use.${v}`, v);
    if (key === "grading" && typeof v === "object") {
      const g = v as { source?: string; information?: string };
      return `${g.source ?? "?"}${g.information ?? "?"}`;
    }
    if (key === "mistreatmentRisk" && typeof v === "object") {
      const level = (v as { level?: string }).level ?? "";
      return t(`risk.${level}`, level);
    }
    if (Array.isArray(v)) return v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ");
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  };
  return (
    <dl className="facts">
      {Object.entries(value).map(([key, v]) => (
        <div key={key}>
          <dt>{t(`caseField.${key}`, key)}</dt>
          <dd>{show(key, v)}</dd>
        </div>
      ))}
    </dl>
  );
}

const ROLE_GRANT = "identity.role-grant";

/** A role grant in words: whose account, the role asked for and the role it has now (or a new account). */
export function RoleGrantFacts({ value }: { value: Record<string, unknown> | undefined }) {
  const { t } = useTranslation();
  const role = (r: unknown) => (typeof r === "string" ? t(`role.${r}`, r) : "—");
  const agency = typeof value?.agency === "string" ? value.agency : undefined;
  return (
    <>
      <dl className="facts" data-testid="role-grant">
        <div>
          <dt>{t("approvals.grantUser")}</dt>
          <dd>{String(value?.username ?? value?.userId ?? "—")}</dd>
        </div>
        <div>
          <dt>{t("approvals.grantRole")}</dt>
          <dd>{role(value?.role)}</dd>
        </div>
        <div>
          <dt>{t("approvals.grantFrom")}</dt>
          <dd>{value?.previousRole ? role(value.previousRole) : t("approvals.grantNewAccount")}</dd>
        </div>
        {agency ? (
          <div>
            <dt>{t("approvals.grantAgency")}</dt>
            <dd>{AGENCIES[agency]?.acronym ?? agency}</dd>
          </div>
        ) : null}
      </dl>
      <p className="hint">{t("approvals.grantHint")}</p>
    </>
  );
}

function ApprovalCase({ approval }: { approval: Approval }) {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const [basis, setBasis] = useState("");
  const [measures, setMeasures] = useState<Measures>({ caveats: [], givenBy: "", givenAt: "", summary: "" });
  const undetermined = (approval.decision?.reasons ?? []).some(
    (r) => r.policy === "ca-aca-undetermined-to-deputy-head",
  );
  const decide = useMutation({
    mutationFn: (approve: boolean) =>
      approvals.decide(
        approval.id,
        approve,
        basis.trim(),
        undetermined && approve
          ? { determination: "risk-can-be-mitigated", measures: measuresOf(measures) }
          : undefined,
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["approvals"] }),
  });
  const people = useQuery({ queryKey: ["directory-users"], queryFn: directory.users });
  const requester = people.data?.find((u) => u.userId === approval.requester)?.displayName ?? approval.requester;
  const pending = approval.status === "pending";
  const basisId = `basis-${approval.id}`;
  const enough = basis.trim().length >= 10;
  return (
    <article className="card" aria-labelledby={`case-${approval.id}`} data-testid="approval">
      <div className="page-head">
        <h2 id={`case-${approval.id}`}>{approval.summary ?? approval.id}</h2>
        <span className={`pill ${pending ? "pill-warn" : approval.status === "approved" ? "pill-good" : "pill-bad"}`}>
          {t(`status.${approval.status ?? "pending"}`, approval.status ?? "")}
        </span>
      </div>
      <p className="muted small">
        {approval.kind === ROLE_GRANT ? t("approvals.kindRoleGrant") : t("approvals.kindDisclosure")}
        {" · "}
        {requester ? `${requester} · ` : ""}
        {approval.agency ? `${AGENCIES[approval.agency]?.acronym ?? approval.agency} · ` : ""}
        {format.dateTime(approval.createdAt)}
      </p>
      <div className="grid grid-2">
        <section>
          <h3>{t("approvals.case")}</h3>
          {approval.kind === ROLE_GRANT ? (
            <RoleGrantFacts value={approval.input as Record<string, unknown> | undefined} />
          ) : (
            <CaseFacts value={approval.input as Record<string, unknown> | undefined} />
          )}
        </section>
        <section>
          <h3>{t("approvals.assessment")}</h3>
          {approval.decision?.decision ? (
            <p className={`decision decision-${approval.decision.decision}`}>
              {t(`decision.${approval.decision.decision}`)}
            </p>
          ) : null}
          {approval.decision?.reasons?.length ? (
            <ul className="reasons">
              {approval.decision.reasons.map((r) => (
                <li key={`${r.policy}:${r.text}`}>
                  <code>{r.policy}</code> {r.text}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      </div>
      {!pending ? (
        approval.basis ? (
          <p>
            <strong>{t("approvals.basis")}:</strong> {approval.basis}
          </p>
        ) : null
      ) : (
        <form className="form decision-form" onSubmit={(event: FormEvent) => event.preventDefault()}>
          <div className="field">
            <label htmlFor={basisId}>{t("approvals.basis")} *</label>
            <textarea
              id={basisId}
              rows={3}
              required
              minLength={10}
              value={basis}
              onChange={(e) => setBasis(e.target.value)}
              aria-describedby={`${basisId}-hint`}
            />
            <p id={`${basisId}-hint`} className="hint">
              {t("approvals.basisHint")}
            </p>
          </div>
          {undetermined ? <Determination id={basisId} value={measures} onChange={setMeasures} /> : null}
          {decide.error ? <ErrorState error={decide.error} /> : null}
          <div className="actions">
            <button
              type="button"
              className="button button-primary"
              disabled={!enough || decide.isPending}
              onClick={() => decide.mutate(true)}
            >
              {t("approvals.approve")}
            </button>
            <button
              type="button"
              className="button button-danger"
              disabled={!enough || decide.isPending}
              onClick={() => decide.mutate(false)}
            >
              {t("approvals.refuse")}
            </button>
          </div>
        </form>
      )}
    </article>
  );
}

export default function Approvals() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: ["approvals"], queryFn: approvals.list });
  return (
    <div className="page">
      <h1>{t("approvals.title")}</h1>
      <p className="muted">{t("approvals.intro")}</p>
      <QueryState query={query} what={t("approvals.title")}>
        {(items) =>
          items.length === 0 ? (
            <Empty>{t("approvals.empty")}</Empty>
          ) : (
            items.map((a) => <ApprovalCase key={a.id} approval={a} />)
          )
        }
      </QueryState>
    </div>
  );
}
