import { useTranslation } from "react-i18next";
import { LEGAL_INSTRUMENTS } from "../lib/domain.ts";

/** The legal instruments a party may cite (its own and the bilateral ones), as checkboxes: compose and reply. */
export function LegalBasesField(props: {
  party: string;
  selected: string[];
  onChange: (selected: string[]) => void;
  hint?: string;
}) {
  const { t } = useTranslation();
  const bases = LEGAL_INSTRUMENTS.filter((i) => i.party === props.party || i.party === "both");
  return (
    <fieldset>
      <legend>{t("caveat.legalBasis")} *</legend>
      {props.hint ? <p className="hint">{props.hint}</p> : null}
      {bases.map((b) => (
        <label key={b.id} className="check">
          <input
            type="checkbox"
            checked={props.selected.includes(b.id)}
            onChange={(e) =>
              props.onChange(e.target.checked ? [...props.selected, b.id] : props.selected.filter((x) => x !== b.id))
            }
          />
          <span>
            <code>{b.id}</code> <span className="muted">{b.title}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
