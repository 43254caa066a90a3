import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client.ts";
import { node } from "../api/endpoints.ts";
import { LanguageSwitch } from "../components/LanguageSwitch.tsx";
import { useSession } from "../session.tsx";

export function LoginPage() {
  const { t } = useTranslation();
  const { login, loginWithToken } = useSession();
  // Which party's node this is: both parties' nodes serve the same app.
  const descriptor = useQuery({
    queryKey: ["descriptor"],
    queryFn: node.descriptor,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const party = descriptor.data?.party;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function attempt(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      if (e instanceof ApiError && e.unavailable) setError(t("login.unavailable"));
      else if (e instanceof ApiError && (e.status === 401 || e.status === 400)) setError(t("login.failed"));
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void attempt(() => login(String(form.get("username") ?? ""), String(form.get("password") ?? "")));
  }
  function onToken(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void attempt(() => loginWithToken(String(form.get("token") ?? "")));
  }

  return (
    <div className="login-page">
      <header className="login-header">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          <span className="brand-name">Liaison</span>
          {party ? <span className="brand-node">{t("header.node", { party: t(`party.${party}`, party) })}</span> : null}
        </span>
        <LanguageSwitch />
      </header>
      <main id="main" className="login-card">
        <h1>{t("login.title")}</h1>
        <p className="muted">{t("login.intro")}</p>
        <form onSubmit={onSubmit} className="form" aria-describedby={error ? "login-error" : undefined}>
          <div className="field">
            <label htmlFor="username">{t("login.username")}</label>
            <input id="username" name="username" autoComplete="username" required />
          </div>
          <div className="field">
            <label htmlFor="password">{t("login.password")}</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required />
          </div>
          {error ? (
            <p id="login-error" className="form-error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" className="button button-primary" disabled={busy}>
            {t("login.submit")}
          </button>
        </form>
        <details className="token-login">
          <summary>{t("login.tokenSummary")}</summary>
          <form onSubmit={onToken} className="form">
            <div className="field">
              <label htmlFor="token">{t("login.token")}</label>
              <input id="token" name="token" type="password" autoComplete="off" required />
              <p className="hint">{t("login.tokenHint")}</p>
            </div>
            <button type="submit" className="button" disabled={busy}>
              {t("login.tokenSubmit")}
            </button>
          </form>
        </details>
      </main>
    </div>
  );
}
