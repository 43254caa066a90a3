import { useTranslation } from "react-i18next";
import type { Grading, Message } from "../api/contract.ts";
import { TlpBanner } from "../components/Tlp.tsx";
import { AGENCIES } from "../lib/domain.ts";
import { entityLabel } from "../lib/entity-label.ts";
import { useFormat } from "../lib/format.ts";

function gradingText(grading: Grading | string | null | undefined): string | null {
  if (!grading) return null;
  if (typeof grading === "string") return grading;
  return `${grading.source ?? "?"}${grading.information ?? "?"}`;
}

/** One message with the caveats that bind its reader: TLP, permitted use, basis, grading. */
export function MessageCard({
  message,
  nameOf,
}: {
  message: Message;
  nameOf?: (userId: string) => string | undefined;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const bases = message.legalBases ?? [];
  const grading = gradingText(message.grading);
  return (
    <article
      className="message"
      aria-label={t("thread.messageFrom", { from: message.fromAgency ?? message.sentBy ?? "" })}
    >
      <TlpBanner
        tlp={message.tlp}
        {...(message.tlp ? { meaning: t(`tlp.${message.tlp.replace(/^TLP:/i, "").toUpperCase()}`, "") } : {})}
      />
      <header className="message-head">
        {message.fromAgency ? <strong>{AGENCIES[message.fromAgency]?.acronym ?? message.fromAgency}</strong> : null}
        {message.sentBy ? <span className="muted">{nameOf?.(message.sentBy) ?? message.sentBy}</span> : null}
        {message.kind ? <span className="pill">{t(`kind.${message.kind}`, message.kind)}</span> : null}
        {message.responseType ? (
          <span className="pill">{t(`responseType.${message.responseType}`, message.responseType)}</span>
        ) : null}
        <span className="muted">{format.dateTime(message.createdAt)}</span>
      </header>
      {message.withdrawnAt ? <p className="message-body muted">{t("thread.withdrawn")}</p> : null}
      {message.text ? <div className="message-body">{message.text}</div> : null}
      {message.refusalCode ? (
        <p className="message-body" data-testid="refusal-code">
          {t(`refusalCode.${message.refusalCode}`, message.refusalCode)}
        </p>
      ) : null}
      {message.refusalReason ? <p className="message-body">{message.refusalReason}</p> : null}
      <dl className="caveats">
        {message.permittedUse?.length ? (
          <div>
            <dt>{t("caveat.permittedUse")}</dt>
            <dd>
              {message.permittedUse.map((code) => (
                <abbr key={code} className="code-chip" title={t(`handling.${code}`, code)}>
                  {code}
                </abbr>
              ))}
            </dd>
          </div>
        ) : null}
        {bases.length ? (
          <div>
            <dt>{t("caveat.legalBasis")}</dt>
            <dd>{bases.join(", ")}</dd>
          </div>
        ) : null}
        {grading ? (
          <div>
            <dt>{t("caveat.grading")}</dt>
            <dd>{grading}</dd>
          </div>
        ) : null}
        {message.entities?.length ? (
          <div>
            <dt>{t("caveat.entities")}</dt>
            <dd>
              <ul className="inline-list">
                {message.entities.map((e) => (
                  <li key={`${e.type}:${entityLabel(e)}`}>
                    <span className="muted">{t(`entity.${e.type}`, e.type)}:</span> {entityLabel(e)}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        ) : null}
        {message.attachments?.length ? (
          <div>
            <dt>{t("caveat.attachments")}</dt>
            <dd>
              <ul className="inline-list">
                {message.attachments.map((a) => (
                  <li key={a.id ?? a.name}>
                    {a.name} {a.size !== undefined ? <span className="muted">({format.number(a.size)} B)</span> : null}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t("caveat.delivery")}</dt>
          <dd>
            {message.deliveredAt
              ? t("thread.deliveredAt", { when: format.dateTime(message.deliveredAt) })
              : t(`delivery.${message.status ?? "pending"}`, message.status ?? "")}
            {message.readAt ? ` · ${t("thread.readAt", { when: format.dateTime(message.readAt) })}` : ""}
          </dd>
        </div>
      </dl>
    </article>
  );
}
