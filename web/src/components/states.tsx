import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client.ts";

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      {label ?? t("common.loading")}
    </p>
  );
}

/** A failed query: "not on this node yet" for a missing endpoint, the problem's code and detail otherwise. */
export function ErrorState({ error, what }: { error: unknown; what?: string }) {
  const { t } = useTranslation();
  if (error instanceof ApiError && error.unavailable) {
    return (
      <div className="state state-unavailable" role="status">
        <strong>{t("common.unavailableTitle", { what: what ?? "" })}</strong>
        <p>{t("common.unavailable")}</p>
      </div>
    );
  }
  if (error instanceof ApiError && error.status === 403) {
    return (
      <div className="state state-error" role="status">
        <strong>{t("common.forbidden")}</strong>
        <p>
          <code>{error.code}</code>
        </p>
      </div>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state state-error" role="alert">
      <strong>{t("common.error")}</strong>
      <p>
        {error instanceof ApiError ? <code>{error.code}</code> : null} {message}
      </p>
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** Renders loading, error or the data, so every view handles a missing endpoint the same way. */
export function QueryState<T>({
  query,
  what,
  children,
}: {
  query: { isPending: boolean; error: unknown; data: T | undefined };
  what?: string;
  children: (data: T) => React.ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.error || query.data === undefined) return <ErrorState error={query.error} {...(what ? { what } : {})} />;
  return <>{children(query.data)}</>;
}
