import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { notices } from "../api/endpoints.ts";
import { LegalBasesField } from "../components/LegalBasesField.tsx";
import { Empty, ErrorState, QueryState } from "../components/states.tsx";
import { otherParty } from "../lib/domain.ts";
import { useFormat } from "../lib/format.ts";
import { useUser } from "../session.tsx";

export default function Notices() {
  const { t } = useTranslation();
  const format = useFormat();
  const user = useUser();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  // A notice passes the compliance gate like any disclosure: it names its legal bases.
  const [legalBases, setLegalBases] = useState<string[]>([]);
  const list = useQuery({ queryKey: ["notices"], queryFn: notices.list, refetchInterval: 5_000 });
  const send = useMutation({
    mutationFn: () => notices.send(otherParty(user.party), text.trim(), legalBases),
    onSuccess: () => {
      setText("");
      return queryClient.invalidateQueries({ queryKey: ["notices"] });
    },
  });
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    send.mutate();
  }
  return (
    <div className="page">
      <h1>{t("notices.title")}</h1>
      <form className="card form" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor="notice-text">{t("notices.text", { party: t(`party.${otherParty(user.party)}`) })}</label>
          <textarea
            id="notice-text"
            rows={3}
            maxLength={4000}
            required
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <LegalBasesField party={user.party} selected={legalBases} onChange={setLegalBases} />
        {send.error ? <ErrorState error={send.error} /> : null}
        <button type="submit" className="button button-primary" disabled={send.isPending || !text.trim()}>
          {t("notices.send")}
        </button>
      </form>
      <section className="card" aria-labelledby="notices-heading">
        <h2 id="notices-heading">{t("notices.list")}</h2>
        <QueryState query={list} what={t("notices.title")}>
          {(items) =>
            items.length === 0 ? (
              <Empty>{t("notices.empty")}</Empty>
            ) : (
              <ul className="list">
                {items.map((n) => (
                  <li key={n.id} className="list-block notice">
                    <div className="progress-row">
                      <span>
                        <span className={`pill ${n.direction === "inbound" ? "pill-in" : ""}`}>
                          {t(`inbox.${n.direction}`)}
                        </span>{" "}
                        {n.from} → {n.to}
                      </span>
                      <span className="muted small">
                        {format.dateTime(n.createdAt)}
                        {n.direction === "outbound"
                          ? ` · ${n.deliveredAt ? t("delivery.delivered") : t(`delivery.${n.status}`)}`
                          : ""}
                      </span>
                    </div>
                    <p>{n.text}</p>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryState>
      </section>
    </div>
  );
}
