import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Entity } from "../api/contract.ts";
import { ENTITY_TYPES, type EntityType, validateEntity } from "../lib/entities.ts";
import { entityLabel } from "../lib/entity-label.ts";

export function EntityEditor({ entities, onChange }: { entities: Entity[]; onChange(next: Entity[]): void }) {
  const { t } = useTranslation();
  const [type, setType] = useState<EntityType>("person");
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);

  function add() {
    const result = validateEntity(type, value);
    if ("error" in result) {
      setError(result.error);
      return;
    }
    setError(null);
    setValue("");
    const key = JSON.stringify(result.entity);
    if (!entities.some((e) => JSON.stringify(e) === key)) onChange([...entities, result.entity]);
  }

  return (
    <fieldset className="entities">
      <legend>{t("caveat.entities")}</legend>
      <p className="hint">{t("compose.entitiesHint")}</p>
      <div className="field-row">
        <div className="field">
          <label htmlFor="entity-type">{t("compose.entityType")}</label>
          <select id="entity-type" value={type} onChange={(e) => setType(e.target.value as EntityType)}>
            {ENTITY_TYPES.map((k) => (
              <option key={k} value={k}>
                {t(`entity.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="entity-value">{t("compose.entityValue")}</label>
          <input
            id="entity-value"
            value={value}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "entity-error" : undefined}
            onChange={(e) => setValue(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                add();
              }
            }}
          />
        </div>
        <button type="button" className="button" onClick={add}>
          {t("compose.addEntity")}
        </button>
      </div>
      {error ? (
        <p id="entity-error" className="form-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {entities.length ? (
        <ul className="chips">
          {entities.map((e) => (
            <li key={JSON.stringify(e)} className="chip">
              <span className="muted">{t(`entity.${e.type}`)}:</span> {entityLabel(e)}
              <button
                type="button"
                className="chip-remove"
                aria-label={t("compose.removeEntity", { value: entityLabel(e) })}
                onClick={() => onChange(entities.filter((x) => x !== e))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
