import { useTranslation } from "react-i18next";
import type { Deadlines } from "../api/contract.ts";

/** Intl formatters are costly to build: one set per locale, shared by every row of a long list. */
const formatters = new Map<string, ReturnType<typeof buildFormat>>();

function buildFormat(intlLocale: string) {
  const dateTime = new Intl.DateTimeFormat(intlLocale, { dateStyle: "medium", timeStyle: "short" });
  const date = new Intl.DateTimeFormat(intlLocale, { dateStyle: "medium" });
  const number = new Intl.NumberFormat(intlLocale);
  const percent = new Intl.NumberFormat(intlLocale, { style: "percent", maximumFractionDigits: 0 });
  const relative = new Intl.RelativeTimeFormat(intlLocale, { numeric: "auto" });
  return {
    locale: intlLocale,
    dateTime: (value: string | Date | null | undefined) => (value ? safe(() => dateTime.format(new Date(value))) : "—"),
    date: (value: string | Date | null | undefined) => (value ? safe(() => date.format(new Date(value))) : "—"),
    number: (value: number) => number.format(value),
    percent: (value: number) => percent.format(value),
    /** "in 3 hours" / "il y a 2 jours", with the largest unit that fits. */
    relative(value: string | Date, now = Date.now()) {
      const ms = new Date(value).getTime() - now;
      const abs = Math.abs(ms);
      const units: [Intl.RelativeTimeFormatUnit, number][] = [
        ["day", 86_400_000],
        ["hour", 3_600_000],
        ["minute", 60_000],
      ];
      for (const [unit, size] of units) if (abs >= size) return relative.format(Math.round(ms / size), unit);
      return relative.format(Math.round(ms / 1000), "second");
    },
  };
}

/** Dates, numbers and remaining time in the reader's chosen language, through Intl. */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? "en";
  const intlLocale = locale === "en" ? "en-GB" : locale === "fr" ? "fr-CA" : "hi-IN";
  let format = formatters.get(intlLocale);
  if (!format) {
    format = buildFormat(intlLocale);
    formatters.set(intlLocale, format);
  }
  return format;
}

function safe(format: () => string): string {
  try {
    return format();
  } catch {
    return "—";
  }
}

/** The deadline that matters now: acknowledgement until acknowledged, then the response. */
export function nextDeadline(deadlines: Deadlines | undefined): string | null {
  if (!deadlines || deadlines.respondedAt) return null;
  if (!deadlines.acknowledgedAt && deadlines.acknowledgeBy) return deadlines.acknowledgeBy;
  return deadlines.respondBy ?? null;
}
