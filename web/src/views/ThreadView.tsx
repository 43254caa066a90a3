import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import type { AddMessageBody, PermittedUse, Thread, Tlp } from "../api/contract.ts";
import { directory, threads } from "../api/endpoints.ts";
import { DeadlineClock } from "../components/DeadlineClock.tsx";
import { LegalBasesField } from "../components/LegalBasesField.tsx";
import { RefusalCodeField } from "../components/RefusalCodeField.tsx";
import { ErrorState, QueryState } from "../components/states.tsx";
import { TlpTag } from "../components/Tlp.tsx";
import { AGENCIES, PERMITTED_USE_CODES, REFUSAL_CODES, TLP_LABELS } from "../lib/domain.ts";
import { useUser } from "../session.tsx";
import { MessageCard } from "./MessageCard.tsx";

const RESPONSE_TYPES = ["full", "partial", "refusal"] as const;

function ReplyForm({ thread }: { thread: Thread }) {
  const { t } = useTranslation();
  const user = useUser();
  const queryClient = useQueryClient();
  const [permittedUse, setPermittedUse] = useState<string[]>(["H0", "H1"]);
  const [legalBases, setLegalBases] = useState<string[]>([]);
  const [responseType, setResponseType] = useState<string>("full");
  // A refusal gives a coded reason (sent as it is) or a written one (gated); "" is the written one.
  const [refusalCode, setRefusalCode] = useState<string>(REFUSAL_CODES[0]);
  const reply = useMutation({
    mutationFn: (body: AddMessageBody) => threads.reply(thread.id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["thread", thread.id] }),
  });
  const request = [...thread.messages].reverse().find((m) => m.kind === "request" && m.direction === "inbound");
  const peerAgency = thread.direction === "inbound" ? thread.fromAgency : thread.toAgency;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = String(form.get("text") ?? "");
    const refusing = request !== undefined && responseType === "refusal";
    const coded = refusing && refusalCode !== "";
    reply.mutate(
      {
        kind: request ? "response" : "disclosure",
        ...(text.trim() || !coded ? { text } : {}),
        // The form's selects offer exactly the schema's vocabularies.
        tlp: String(form.get("tlp")) as Tlp,
        permittedUse: permittedUse as PermittedUse[],
        legalBases,
        personalData: form.get("personalData") === "on",
        // Addressed to the other party's agency: on an inbound thread that is the one that wrote to us.
        ...(peerAgency ? { toAgency: peerAgency } : {}),
        ...(request ? { responseType: responseType as AddMessageBody["responseType"], refersTo: request.id } : {}),
        ...(coded
          ? { refusalCode: refusalCode as AddMessageBody["refusalCode"] }
          : refusing
            ? { refusalReason: text }
            : {}),
      },
      { onSuccess: () => (event.target as HTMLFormElement).reset() },
    );
  }

  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="reply-heading">
      <h2 id="reply-heading">{t("thread.reply")}</h2>
      {request ? (
        <div className="field">
          <label htmlFor="response-type">{t("thread.responseType")}</label>
          <select id="response-type" value={responseType} onChange={(e) => setResponseType(e.target.value)}>
            {RESPONSE_TYPES.map((r) => (
              <option key={r} value={r}>
                {t(`responseType.${r}`)}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {request && responseType === "refusal" ? (
        <RefusalCodeField value={refusalCode} onChange={setRefusalCode} />
      ) : null}
      <div className="field">
        <label htmlFor="reply-text">{t("compose.body")}</label>
        <textarea
          id="reply-text"
          name="text"
          rows={5}
          required={!(request && responseType === "refusal" && refusalCode !== "")}
        />
      </div>
      <LegalBasesField party={user.party} selected={legalBases} onChange={setLegalBases} />
      <div className="field-row">
        <div className="field">
          <label htmlFor="reply-tlp">{t("compose.tlp")}</label>
          <select id="reply-tlp" name="tlp" defaultValue="TLP:AMBER">
            {TLP_LABELS.map((l) => (
              <option key={l.label} value={l.label}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="field">
          <legend>{t("caveat.permittedUse")}</legend>
          {PERMITTED_USE_CODES.map((code) => (
            <label key={code} className="check">
              <input
                type="checkbox"
                checked={permittedUse.includes(code)}
                onChange={(e) =>
                  setPermittedUse((p) => (e.target.checked ? [...p, code] : p.filter((c) => c !== code)))
                }
              />
              <abbr title={t(`handling.${code}`)}>{code}</abbr>
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input type="checkbox" name="personalData" />
          {t("compose.personalData")}
        </label>
      </div>
      {reply.error ? <ErrorState error={reply.error} /> : null}
      {reply.isSuccess ? (
        <p className="alert alert-info" role="status">
          {t("thread.replySent")}
        </p>
      ) : null}
      <button type="submit" className="button button-primary" disabled={reply.isPending}>
        {t("thread.sendReply")}
      </button>
    </form>
  );
}

function TriageForm({ thread }: { thread: Thread }) {
  const { t } = useTranslation();
  const user = useUser();
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ["directory-users"], queryFn: directory.users });
  const assign = useMutation({
    mutationFn: (body: { agency: string; assignee?: string }) => threads.assign(thread.id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["thread", thread.id] }),
  });
  const agencies = Object.entries(AGENCIES).filter(([, a]) => a.party === user.party);
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const assignee = String(form.get("assignee") ?? "");
    assign.mutate({ agency: String(form.get("agency")), ...(assignee ? { assignee } : {}) });
  }
  return (
    <aside className="card triage" aria-labelledby="triage-heading">
      <h2 id="triage-heading">{t("thread.triage")}</h2>
      <form className="form" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor="assign-agency">{t("thread.agency")}</label>
          <select
            id="assign-agency"
            name="agency"
            defaultValue={thread.assignedAgency ?? thread.toAgency ?? ""}
            required
          >
            <option value="">—</option>
            {agencies.map(([id, a]) => (
              <option key={id} value={id}>
                {a.acronym}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="assignee">{t("thread.assignee")}</label>
          <select id="assignee" name="assignee" defaultValue={thread.assignee ?? ""}>
            <option value="">{t("thread.unassigned")}</option>
            {(users.data ?? [])
              .filter((u) => u.party === user.party)
              .map((u) => (
                <option key={u.userId} value={u.username ?? u.userId}>
                  {u.displayName ?? u.username ?? u.userId}
                </option>
              ))}
          </select>
        </div>
        {assign.error ? <ErrorState error={assign.error} /> : null}
        <button type="submit" className="button" disabled={assign.isPending}>
          {t("thread.assign")}
        </button>
      </form>
    </aside>
  );
}

export default function ThreadView() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const thread = useQuery({ queryKey: ["thread", id], queryFn: () => threads.get(id), refetchInterval: 5_000 });
  const users = useQuery({ queryKey: ["directory-users"], queryFn: directory.users });
  const nameOf = (userId: string) => users.data?.find((u) => u.userId === userId)?.displayName;
  return (
    <div className="page">
      <p>
        <Link to="/inbox">← {t("inbox.title")}</Link>
      </p>
      <QueryState query={thread} what={t("thread.title")}>
        {(data) => (
          <>
            <div className="page-head">
              <h1>{data.subject}</h1>
              <TlpTag tlp={data.tlp ?? undefined} />
            </div>
            <div className="thread-facts">
              <span className="pill">{t(`lane.${data.lane}`, data.lane)}</span>
              <span className={`pill pill-priority-${data.priority}`}>
                {t(`priority.${data.priority}`, data.priority ?? "")}
              </span>
              {data.direction ? <span className="pill">{t(`inbox.${data.direction}`)}</span> : null}
              {data.deadlines?.acknowledgedAt ? (
                <span className="deadline">{t("thread.acknowledged")}</span>
              ) : (
                <DeadlineClock at={data.deadlines?.acknowledgeBy} label={t("thread.acknowledgeBy")} />
              )}
              {data.deadlines?.respondedAt ? (
                <span className="deadline">{t("status.answered")}</span>
              ) : (
                <DeadlineClock at={data.deadlines?.respondBy} label={t("thread.respondBy")} />
              )}
            </div>
            <div className={`thread-layout ${data.direction === "inbound" ? "" : "thread-layout-single"}`}>
              <section aria-labelledby="messages-heading" className="messages">
                <h2 id="messages-heading">{t("thread.messages")}</h2>
                {data.messages.map((m) => (
                  <MessageCard key={m.id} message={m} nameOf={nameOf} />
                ))}
                <ReplyForm thread={data} />
              </section>
              {data.direction === "inbound" ? <TriageForm thread={data} /> : null}
            </div>
          </>
        )}
      </QueryState>
    </div>
  );
}
