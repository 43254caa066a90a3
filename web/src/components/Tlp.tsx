import { normaliseTlp, tlpColor } from "../lib/domain.ts";

/** FIRST TLP 2.0: the label exactly as the standard writes it, in its colour on black. */
export function TlpBanner({ tlp, meaning }: { tlp: string | undefined; meaning?: string }) {
  const label = normaliseTlp(tlp);
  if (!label) return null;
  return (
    <div className="tlp-banner" role="note" aria-label={label}>
      <span className="tlp-label" style={{ color: tlpColor(label) }} lang="en">
        {label}
      </span>
      {meaning ? <span className="tlp-meaning">{meaning}</span> : null}
    </div>
  );
}

export function TlpTag({ tlp }: { tlp: string | undefined }) {
  const label = normaliseTlp(tlp);
  if (!label) return null;
  return (
    <span className="tlp-tag" style={{ color: tlpColor(label) }} lang="en">
      {label}
    </span>
  );
}
