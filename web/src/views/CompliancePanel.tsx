import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { ComplianceRequest } from "../api/contract.ts";
import { compliance } from "../api/endpoints.ts";
import { ErrorState } from "../components/states.tsx";
import { useDebounced } from "../lib/useDebounced.ts";

/** The sender's legal policy pack, asked again each time the officer pauses typing. */
export function CompliancePanel({ request, ready }: { request: ComplianceRequest; ready: boolean }) {
  const { t } = useTranslation();
  const debounced = useDebounced(request, 400);
  const decision = useQuery({
    queryKey: ["compliance", debounced],
    queryFn: () => compliance.evaluate(debounced),
    enabled: ready,
    placeholderData: (previous) => previous,
    staleTime: 30_000,
  });
  return (
    <section
      className="card compliance"
      aria-labelledby="compliance-heading"
      aria-live="polite"
      data-testid="compliance"
    >
      <h2 id="compliance-heading">{t("compose.compliance")}</h2>
      {!ready ? (
        <p className="muted">{t("compose.complianceWaiting")}</p>
      ) : decision.error && !decision.data ? (
        <ErrorState error={decision.error} what={t("compose.compliance")} />
      ) : !decision.data ? (
        <p className="muted">{t("common.loading")}</p>
      ) : (
        <>
          <p className={`decision decision-${decision.data.decision}`} data-decision={decision.data.decision}>
            {t(`decision.${decision.data.decision}`)}
            {decision.isFetching ? <span className="muted"> · {t("compose.rechecking")}</span> : null}
          </p>
          <p className="muted">{t(`decision.${decision.data.decision}Explain`)}</p>
          {decision.data.reasons.length ? (
            <ul className="reasons">
              {decision.data.reasons.map((r) => (
                <li key={`${r.policy}:${r.text}`}>
                  <code>{r.policy}</code> {r.text}
                </li>
              ))}
            </ul>
          ) : null}
          {decision.data.instruments?.length ? (
            <p className="muted">
              {t("compose.instruments")}: {decision.data.instruments.join(", ")}
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
