import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useFormat } from "../lib/format.ts";

/** Time left before a deadline, refreshed every minute; amber under a day, red when passed. */
export function DeadlineClock({ at, label }: { at: string | null | undefined; label?: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  if (!at) return <span className="deadline deadline-none">—</span>;
  const left = new Date(at).getTime() - now;
  const tone = left < 0 ? "overdue" : left < 86_400_000 ? "soon" : "ok";
  return (
    <span className={`deadline deadline-${tone}`} title={format.dateTime(at)}>
      {label ? <span className="deadline-label">{label} </span> : null}
      <time dateTime={at}>
        {left < 0 ? t("deadline.overdue", { when: format.relative(at, now) }) : format.relative(at, now)}
      </time>
    </span>
  );
}
