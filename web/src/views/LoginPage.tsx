import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client.ts";
import { node } from "../api/endpoints.ts";
import { LanguageSwitch } from "../components/LanguageSwitch.tsx";
import { useSession } from "../session.tsx";

export function LoginPage() {
  const { t } = useTranslation();
  const { login, loginWithToken, completeSecondFactor } = useSession();
  // Set when the password was right and the account has a second factor: the code step is shown.
  const [challenge, setChallenge] = useState<string | null>(null);
  const [useRecovery, setUseRecovery] = useState(false);
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
      else if (e instanceof ApiError && e.code === "LIAISON_AUTH_LOCKED") setError(t("login.locked"));
      else if (e instanceof ApiError && e.code === "LIAISON_AUTH_CHALLENGE_INVALID") {
        setChallenge(null);
        setError(t("login.challengeExpired"));
      } else if (e instanceof ApiError && e.code === "LIAISON_AUTH_SECOND_FACTOR_FAILED")
        setError(t("login.codeFailed"));
      else if (e instanceof ApiError && (e.status === 401 || e.status === 400)) setError(t("login.failed"));
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void attempt(async () => {
      const next = await login(String(form.get("username") ?? ""), String(form.get("password") ?? ""));
      if (next) setChallenge(next.challenge);
    });
  }
  function onCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = String(form.get("code") ?? "").trim();
    if (!challenge) return;
    void attempt(() => completeSecondFactor(challenge, useRecovery ? { recoveryCode: value } : { code: value }));
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
        {challenge ? (
          <form onSubmit={onCode} className="form" aria-describedby={error ? "login-error" : undefined}>
            <h2>{t("login.codeTitle")}</h2>
            <p className="muted">{useRecovery ? t("login.recoveryIntro") : t("login.codeIntro")}</p>
            <div className="field">
              <label htmlFor="totp-code">{useRecovery ? t("login.recoveryCode") : t("login.code")}</label>
              <input
                id="totp-code"
                name="code"
                key={useRecovery ? "recovery" : "code"}
                autoComplete="one-time-code"
                inputMode={useRecovery ? "text" : "numeric"}
                pattern={useRecovery ? undefined : "[0-9 ]{6,7}"}
                required
                // biome-ignore lint/a11y/noAutofocus: the one field of this step, shown after the password was accepted
                autoFocus
              />
            </div>
            {error ? (
              <p id="login-error" className="form-error" role="alert">
                {error}
              </p>
            ) : null}
            <button type="submit" className="button button-primary" disabled={busy}>
              {t("login.codeSubmit")}
            </button>
            <button type="button" className="button button-quiet" onClick={() => setUseRecovery(!useRecovery)}>
              {useRecovery ? t("login.useCode") : t("login.useRecovery")}
            </button>
          </form>
        ) : (
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
        )}
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
