import { useTranslation } from "react-i18next";
import { LANGUAGES, setLanguage } from "../i18n/i18n.ts";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language-switch">
      <span className="visually-hidden">{t("header.language")}</span>
      <select
        value={i18n.resolvedLanguage ?? "en"}
        onChange={(event) => setLanguage(event.target.value)}
        aria-label={t("header.language")}
      >
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}
