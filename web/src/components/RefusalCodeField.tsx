import { useTranslation } from "react-i18next";
import { REFUSAL_CODES } from "../lib/domain.ts";

/**
 * The reason of a refusal: one of the documented codes (sent as it is, it says nothing about the case) or, as the
 * last option (value ""), a written reason that passes the compliance gate like any content.
 */
export function RefusalCodeField({ value, onChange }: { value: string; onChange: (code: string) => void }) {
  const { t } = useTranslation();
  return (
    <div className="field">
      <label htmlFor="refusal-code">{t("thread.refusalCode")}</label>
      <select
        id="refusal-code"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby="refusal-code-hint"
      >
        {REFUSAL_CODES.map((code) => (
          <option key={code} value={code}>
            {t(`refusalCode.${code}`)}
          </option>
        ))}
        <option value="">{t("thread.refusalWritten")}</option>
      </select>
      <p id="refusal-code-hint" className="hint">
        {t("thread.refusalCodeHint")}
      </p>
    </div>
  );
}
