import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { TotpEnrolment } from "../api/contract.ts";
import { auth } from "../api/endpoints.ts";
import { ErrorState, QueryState } from "../components/states.tsx";
import { useSession } from "../session.tsx";

/** The six digits an app shows, as typed (spaces allowed). */
function CodeField({ id, label }: { id: string; label: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name="code" autoComplete="one-time-code" inputMode="numeric" pattern="[0-9 ]{6,7}" required />
    </div>
  );
}

/** Shown once: the node keeps only their hashes. */
function RecoveryCodeList({ codes }: { codes: string[] }) {
  const { t } = useTranslation();
  return (
    <div className="card" data-testid="recovery-codes">
      <h2>{t("security.recoveryTitle")}</h2>
      <p>{t("security.recoveryIntro")}</p>
      <ul className="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The second factor (TOTP): enrol with a QR code and a first code, keep the recovery codes, renew them. An
 * administrator or approver who has not enrolled sees only this page (`required`) until they have.
 */
export default function SecondFactor({ required = false }: { required?: boolean }) {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: ["totp"], queryFn: auth.totpStatus });
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const start = useMutation({ mutationFn: auth.startTotp, onSuccess: setEnrolment });
  const confirm = useMutation({
    mutationFn: auth.confirmTotp,
    onSuccess: (answer) => {
      setEnrolment(null);
      setRecoveryCodes(answer.recoveryCodes);
      return queryClient.invalidateQueries({ queryKey: ["totp"] });
    },
  });
  const renew = useMutation({
    mutationFn: auth.renewRecoveryCodes,
    onSuccess: (a) => setRecoveryCodes(a.recoveryCodes),
  });
  const codeOf = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    return String(new FormData(event.currentTarget).get("code") ?? "").replace(/\s+/g, "");
  };

  return (
    <div className="page">
      <h1>{t("security.title")}</h1>
      {required ? (
        <p className="notice" role="status">
          {t("security.required")}
        </p>
      ) : null}
      {recoveryCodes ? (
        <>
          <RecoveryCodeList codes={recoveryCodes} />
          {required ? (
            <button type="button" className="button button-primary" onClick={() => void refresh()}>
              {t("security.continue")}
            </button>
          ) : null}
        </>
      ) : null}
      <QueryState query={status} what={t("security.title")}>
        {(s) =>
          s.enrolled ? (
            recoveryCodes ? null : (
              <section className="card" aria-labelledby="totp-on">
                <h2 id="totp-on">{t("security.enrolled")}</h2>
                <p>{t("security.codesLeft", { count: s.recoveryCodesLeft })}</p>
                <form className="form" onSubmit={(e) => renew.mutate(codeOf(e))}>
                  <CodeField id="renew-code" label={t("security.code")} />
                  {renew.error ? <ErrorState error={renew.error} /> : null}
                  <button type="submit" className="button" disabled={renew.isPending}>
                    {t("security.renew")}
                  </button>
                </form>
              </section>
            )
          ) : enrolment ? (
            <section className="card" aria-labelledby="totp-scan">
              <h2 id="totp-scan">{t("security.scanTitle")}</h2>
              <p>{t("security.scanIntro")}</p>
              <img className="totp-qr" src={enrolment.qrCode} alt={t("security.qrAlt")} width={200} height={200} />
              <p>
                {t("security.secretText")} <code data-testid="totp-secret">{enrolment.secret}</code>
              </p>
              <form className="form" onSubmit={(e) => confirm.mutate(codeOf(e))}>
                <CodeField id="confirm-code" label={t("security.firstCode")} />
                {confirm.error ? <ErrorState error={confirm.error} /> : null}
                <button type="submit" className="button button-primary" disabled={confirm.isPending}>
                  {t("security.confirm")}
                </button>
              </form>
            </section>
          ) : (
            <section className="card" aria-labelledby="totp-off">
              <h2 id="totp-off">{t("security.notEnrolled")}</h2>
              <p>{s.required ? t("security.mustIntro") : t("security.mayIntro")}</p>
              {start.error ? <ErrorState error={start.error} /> : null}
              <button
                type="button"
                className="button button-primary"
                disabled={start.isPending}
                onClick={() => start.mutate()}
              >
                {t("security.start")}
              </button>
            </section>
          )
        }
      </QueryState>
    </div>
  );
}
