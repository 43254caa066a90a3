import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import type {
  ComplianceRequest,
  CreateThreadBody,
  Entity,
  EntityInput,
  Grading,
  PermittedUse,
  RiskLevel,
  Tlp,
} from "../api/contract.ts";
import { directory, threads } from "../api/endpoints.ts";
import { LegalBasesField } from "../components/LegalBasesField.tsx";
import { ErrorState } from "../components/states.tsx";
import {
  AGENCIES,
  INFORMATION_CREDIBILITY,
  LANES,
  otherParty,
  PERMITTED_USE_CODES,
  PRIORITIES,
  SOURCE_RELIABILITY,
  TLP_LABELS,
} from "../lib/domain.ts";
import { useUser } from "../session.tsx";
import { CompliancePanel } from "./CompliancePanel.tsx";
import { EntityEditor } from "./EntityEditor.tsx";

const KINDS = ["request", "disclosure", "alert"] as const;
const INTENDED_USES = ["intelligence", "lead", "evidence"] as const;
/** The controlled list of purposes (src/modules/compliance/compliance.fields.ts PURPOSE_CODES). */
const PURPOSE_CODES = [
  "lane-objective",
  "investigation",
  "drug-trafficking",
  "precursor-diversion",
  "organised-crime",
  "money-laundering",
  "terrorism",
  "national-security-threat",
  "cybercrime",
  "cyber-incident",
  "fraud",
  "immigration-fraud",
  "migrant-smuggling",
  "human-trafficking",
  "firearms-trafficking",
] as const;
const RISKS = ["none", "mitigable", "substantial", "undetermined"] as const;

export default function Compose() {
  const { t } = useTranslation();
  const user = useUser();
  const navigate = useNavigate();
  const to = otherParty(user.party);
  const agencies = useQuery({ queryKey: ["directory-agencies"], queryFn: directory.agencies });
  const agencyIds = (party: string) =>
    agencies.data?.length
      ? agencies.data.filter((a) => a.party === party).map((a) => a.id)
      : Object.entries(AGENCIES)
          .filter(([, a]) => a.party === party)
          .map(([id]) => id);
  const [form, setForm] = useState({
    kind: "request" as string,
    subject: "",
    body: "",
    fromAgency: user.agency ?? "",
    toAgency: "",
    lane: "drugs" as string,
    priority: "routine" as string,
    legalBases: [] as string[],
    personalData: false,
    purpose: "",
    purposeCode: "lane-objective" as string,
    intendedUse: "intelligence" as "intelligence" | "lead" | "evidence",
    mistreatmentRisk: "none" as string,
    source: "B",
    information: "2",
    tlp: "TLP:AMBER" as string,
    permittedUse: ["H0", "H1"] as string[],
  });
  const [entities, setEntities] = useState<Entity[]>([]);
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const toggle = (key: "permittedUse", value: string, on: boolean) =>
    setForm((f) => ({ ...f, [key]: on ? [...f[key], value] : f[key].filter((v) => v !== value) }));

  // The gate knows requests and disclosures; an alert discloses.
  const evaluation: ComplianceRequest = {
    kind: form.kind === "request" ? "request" : "disclosure",
    to,
    fromAgency: form.fromAgency,
    ...(form.toAgency ? { toAgency: form.toAgency } : {}),
    lane: form.lane,
    legalBases: form.legalBases,
    personalData: form.personalData,
    ...(form.purpose
      ? { purpose: form.purpose, purposeCode: form.purposeCode as ComplianceRequest["purposeCode"] }
      : {}),
    intendedUse: form.intendedUse,
    // The live check takes the message as the send does (text and entities decide personal data, a stated trial).
    text: form.body,
    entities: entities as EntityInput[],
    ...(form.personalData ? { mistreatmentRisk: { level: form.mistreatmentRisk as RiskLevel } } : {}),
    // The form's selects offer exactly the schema's vocabularies (shared/domain), so their values are these.
    grading: { source: form.source as Grading["source"], information: form.information as Grading["information"] },
    tlp: form.tlp as Tlp,
    permittedUse: form.permittedUse as PermittedUse[],
  };
  const send = useMutation({
    mutationFn: () => {
      const {
        kind: _gateKind,
        to: _to,
        fromAgency: _from,
        toAgency,
        lane,
        text: _text,
        entities: _e,
        ...caveats
      } = evaluation;
      const message: CreateThreadBody["message"] = {
        ...caveats,
        kind: form.kind as CreateThreadBody["message"]["kind"],
        priority: form.priority as CreateThreadBody["message"]["priority"],
        text: form.body,
        entities: entities as EntityInput[],
        tlp: form.tlp as Tlp,
        permittedUse: form.permittedUse as PermittedUse[],
        personalData: form.personalData,
      };
      return threads.create({
        lane: lane as CreateThreadBody["lane"],
        subject: form.subject,
        to,
        ...(toAgency ? { toAgency } : {}),
        message,
      });
    },
    onSuccess: (thread) => navigate(thread?.id ? `/threads/${thread.id}` : "/inbox?direction=outbound"),
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    send.mutate();
  }

  return (
    <div className="page">
      <h1>{t("compose.title")}</h1>
      <div className="compose-layout">
        <form className="card form" onSubmit={onSubmit} aria-labelledby="compose-form-heading">
          <h2 id="compose-form-heading" className="visually-hidden">
            {t("compose.title")}
          </h2>
          <p className="hint">{t("compose.requiredHint")}</p>
          <div className="field-row">
            <div className="field">
              <label htmlFor="kind">{t("compose.kind")}</label>
              <select id="kind" value={form.kind} onChange={(e) => set("kind", e.target.value)}>
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`kind.${k}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="lane">{t("common.lane")}</label>
              <select id="lane" value={form.lane} onChange={(e) => set("lane", e.target.value)}>
                {LANES.map((l) => (
                  <option key={l} value={l}>
                    {t(`lane.${l}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="priority">{t("common.priority")}</label>
              <select id="priority" value={form.priority} onChange={(e) => set("priority", e.target.value)}>
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {t(`priority.${p}`)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="field-row">
            <div className="field">
              <label htmlFor="fromAgency">{t("compose.fromAgency")} *</label>
              <select
                id="fromAgency"
                required
                value={form.fromAgency}
                onChange={(e) => set("fromAgency", e.target.value)}
              >
                <option value="">—</option>
                {agencyIds(user.party).map((id) => (
                  <option key={id} value={id}>
                    {AGENCIES[id]?.acronym ?? id}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="toAgency">{t("compose.toAgency")}</label>
              <select id="toAgency" value={form.toAgency} onChange={(e) => set("toAgency", e.target.value)}>
                <option value="">{t("compose.toLiaison")}</option>
                {agencyIds(to).map((id) => (
                  <option key={id} value={id}>
                    {AGENCIES[id]?.acronym ?? id}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="field">
            <label htmlFor="subject">{t("compose.subject")} *</label>
            <input
              id="subject"
              required
              maxLength={200}
              value={form.subject}
              onChange={(e) => set("subject", e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="body">{t("compose.body")} *</label>
            <textarea id="body" required rows={6} value={form.body} onChange={(e) => set("body", e.target.value)} />
          </div>
          <LegalBasesField
            party={user.party}
            selected={form.legalBases}
            onChange={(legalBases) => set("legalBases", legalBases)}
            hint={t("compose.legalBasisHint")}
          />
          <div className="field-row">
            <div className="field">
              <label htmlFor="intendedUse">{t("compose.intendedUse")} *</label>
              <select
                id="intendedUse"
                value={form.intendedUse}
                onChange={(e) => set("intendedUse", e.target.value as "intelligence" | "lead" | "evidence")}
              >
                {INTENDED_USES.map((u) => (
                  <option key={u} value={u}>
                    {t(`use.${u}`)}
                  </option>
                ))}
              </select>
              <p className="hint">{t("compose.intendedUseHint")}</p>
            </div>
            <label className="check">
              <input
                type="checkbox"
                checked={form.personalData}
                onChange={(e) => set("personalData", e.target.checked)}
              />
              {t("compose.personalData")}
            </label>
          </div>
          {form.personalData ? (
            <div className="field-row">
              <div className="field grow">
                <label htmlFor="purpose">{t("compose.purpose")} *</label>
                <input id="purpose" required value={form.purpose} onChange={(e) => set("purpose", e.target.value)} />
                <p className="hint">{t("compose.purposeHint")}</p>
              </div>
              <div className="field">
                <label htmlFor="purposeCode">{t("compose.purposeCode")} *</label>
                <select id="purposeCode" value={form.purposeCode} onChange={(e) => set("purposeCode", e.target.value)}>
                  {PURPOSE_CODES.map((code) => (
                    <option key={code} value={code}>
                      {code}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="risk">{t("compose.risk")}</label>
                <select
                  id="risk"
                  value={form.mistreatmentRisk}
                  onChange={(e) => set("mistreatmentRisk", e.target.value)}
                >
                  {RISKS.map((r) => (
                    <option key={r} value={r}>
                      {t(`risk.${r}`)}
                    </option>
                  ))}
                </select>
                <p className="hint">{t("compose.riskHint")}</p>
              </div>
            </div>
          ) : null}
          <div className="field-row">
            <div className="field">
              <label htmlFor="source">{t("compose.sourceReliability")}</label>
              <select id="source" value={form.source} onChange={(e) => set("source", e.target.value)}>
                {SOURCE_RELIABILITY.map((s) => (
                  <option key={s} value={s}>
                    {s} — {t(`grading.source.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="information">{t("compose.informationCredibility")}</label>
              <select id="information" value={form.information} onChange={(e) => set("information", e.target.value)}>
                {INFORMATION_CREDIBILITY.map((s) => (
                  <option key={s} value={s}>
                    {s} — {t(`grading.information.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="tlp">{t("compose.tlp")}</label>
              <select id="tlp" value={form.tlp} onChange={(e) => set("tlp", e.target.value)}>
                {TLP_LABELS.map((l) => (
                  <option key={l.label} value={l.label}>
                    {l.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <fieldset>
            <legend>{t("caveat.permittedUse")}</legend>
            {PERMITTED_USE_CODES.map((code) => (
              <label key={code} className="check">
                <input
                  type="checkbox"
                  checked={form.permittedUse.includes(code)}
                  onChange={(e) => toggle("permittedUse", code, e.target.checked)}
                />
                <span>
                  <strong>{code}</strong> <span className="muted">{t(`handling.${code}`)}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <EntityEditor entities={entities} onChange={setEntities} />
          {send.error ? <ErrorState error={send.error} what={t("nav.inbox")} /> : null}
          <div className="actions">
            <button type="submit" className="button button-primary" disabled={send.isPending}>
              {t("compose.send")}
            </button>
          </div>
        </form>
        <CompliancePanel request={evaluation} ready={Boolean(form.fromAgency)} />
      </div>
    </div>
  );
}
