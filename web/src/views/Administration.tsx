import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { federation } from "../api/endpoints.ts";
import { Empty, ErrorState, QueryState } from "../components/states.tsx";
import { useFormat } from "../lib/format.ts";

export default function Administration() {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<"pending" | "dead" | "delivered">("dead");
  const peers = useQuery({ queryKey: ["peers"], queryFn: federation.peers, refetchInterval: 10_000 });
  const outbox = useQuery({ queryKey: ["outbox", status], queryFn: () => federation.outbox(status) });
  const retry = useMutation({
    mutationFn: (body: { all: true } | { envelopeIds: string[] }) => federation.retry(body),
    onSuccess: () =>
      queryClient
        .invalidateQueries({ queryKey: ["outbox"] })
        .then(() => queryClient.invalidateQueries({ queryKey: ["peers"] })),
  });

  return (
    <div className="page">
      <h1>{t("admin.title")}</h1>
      <section className="card" aria-labelledby="peers-heading">
        <h2 id="peers-heading">{t("admin.peers")}</h2>
        <QueryState query={peers} what={t("admin.peers")}>
          {(items) =>
            items.length === 0 ? (
              <Empty>{t("admin.noPeers")}</Empty>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t("header.party")}</th>
                    <th scope="col">{t("admin.url")}</th>
                    <th scope="col">{t("admin.status")}</th>
                    <th scope="col">{t("admin.delivered")}</th>
                    <th scope="col">{t("admin.pending")}</th>
                    <th scope="col">{t("admin.dead")}</th>
                    <th scope="col">{t("admin.lastDelivery")}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((p) => (
                    <tr key={p.party}>
                      <td>
                        <strong>{p.party}</strong> {p.name}
                      </td>
                      <td>
                        <code>{p.baseUrl}</code>
                      </td>
                      <td>
                        <span className={`pill ${p.dead > 0 ? "pill-bad" : p.pending > 0 ? "pill-warn" : "pill-good"}`}>
                          {t(
                            p.dead > 0
                              ? "admin.stateDead"
                              : p.pending > 0
                                ? "admin.statePending"
                                : "admin.stateHealthy",
                          )}
                        </span>
                      </td>
                      <td>{format.number(p.delivered)}</td>
                      <td>{format.number(p.pending)}</td>
                      <td>{format.number(p.dead)}</td>
                      <td>{format.dateTime(p.lastDeliveredAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryState>
      </section>
      <section className="card" aria-labelledby="outbox-heading">
        <div className="page-head">
          <h2 id="outbox-heading">{t("admin.outbox")}</h2>
          <button
            type="button"
            className="button"
            disabled={retry.isPending}
            onClick={() => retry.mutate({ all: true })}
          >
            {t("admin.retryAll")}
          </button>
        </div>
        <fieldset className="tabs">
          <legend className="visually-hidden">{t("admin.status")}</legend>
          {(["dead", "pending", "delivered"] as const).map((s) => (
            <button
              key={s}
              type="button"
              className={`tab ${status === s ? "tab-active" : ""}`}
              aria-pressed={status === s}
              onClick={() => setStatus(s)}
            >
              {t(`admin.${s}`)}
            </button>
          ))}
        </fieldset>
        {retry.data ? (
          <p className="alert alert-info" role="status">
            {t("admin.retried", { count: retry.data.retried.length })}
          </p>
        ) : null}
        {retry.error ? <ErrorState error={retry.error} /> : null}
        <QueryState query={outbox} what={t("admin.outbox")}>
          {(items) =>
            items.length === 0 ? (
              <Empty>{t("admin.outboxEmpty")}</Empty>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t("admin.envelope")}</th>
                    <th scope="col">{t("admin.type")}</th>
                    <th scope="col">{t("header.party")}</th>
                    <th scope="col">{t("admin.attempts")}</th>
                    <th scope="col">{t("admin.lastError")}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t("admin.retry")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((o) => (
                    <tr key={o.envelope_id}>
                      <td>
                        <code className="small">{o.envelope_id}</code>
                        <div className="muted small">{format.dateTime(o.created_at)}</div>
                      </td>
                      <td>{o.type}</td>
                      <td>{o.peer}</td>
                      <td>{format.number(o.attempts)}</td>
                      <td>{o.last_error_code ? <code>{o.last_error_code}</code> : "—"}</td>
                      <td>
                        {o.status === "dead" ? (
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => retry.mutate({ envelopeIds: [o.envelope_id] })}
                          >
                            {t("admin.retry")}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryState>
      </section>
    </div>
  );
}
