import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/**
 * Response and acknowledgement deadlines by priority. The defaults come from shared/domain/handling.json
 * (modelled on EU Directive 2023/977); an agreement may set its own through the service options.
 */
export interface PriorityDeadline {
  respondMs: number;
  acknowledgeMs: number;
}
export type DeadlineTable = Record<"urgent" | "high" | "routine", PriorityDeadline>;

/** ISO 8601 durations of the forms handling.json uses: PnD, PTnH, PTnM and combinations. */
export function durationMs(iso: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!match || iso === "P" || iso.endsWith("T")) throw new Error(`unsupported ISO 8601 duration: ${iso}`);
  const [, d, h, m, s] = match.map((v) => Number(v ?? 0));
  return ((((d ?? 0) * 24 + (h ?? 0)) * 60 + (m ?? 0)) * 60 + (s ?? 0)) * 1000;
}

const HandlingFile = z.object({
  priority: z.object({
    levels: z.array(
      z.object({
        level: z.enum(["urgent", "high", "routine"]),
        respondWithin: z.string(),
        acknowledgeWithin: z.string(),
      }),
    ),
  }),
});

export function loadDeadlines(domainDir: string): DeadlineTable {
  const file = HandlingFile.parse(JSON.parse(readFileSync(join(domainDir, "handling.json"), "utf8")));
  const table: Partial<DeadlineTable> = {};
  for (const l of file.priority.levels) {
    table[l.level] = { respondMs: durationMs(l.respondWithin), acknowledgeMs: durationMs(l.acknowledgeWithin) };
  }
  for (const level of ["urgent", "high", "routine"] as const) {
    if (!table[level]) throw new Error(`handling.json has no deadline for priority ${level}`);
  }
  return table as DeadlineTable;
}

/** Only requests wait for a response; every request, disclosure and alert waits for an acknowledgement. */
export function deadlinesFor(
  table: DeadlineTable,
  kind: string,
  priority: string | null,
  startedAt: Date,
): { acknowledgeBy: Date | null; respondBy: Date | null } {
  const entry = priority ? table[priority as keyof DeadlineTable] : undefined;
  if (!entry || !["request", "disclosure", "alert"].includes(kind)) return { acknowledgeBy: null, respondBy: null };
  return {
    acknowledgeBy: new Date(startedAt.getTime() + entry.acknowledgeMs),
    respondBy: kind === "request" ? new Date(startedAt.getTime() + entry.respondMs) : null,
  };
}

export const REMINDER_FRACTIONS = [0.5, 0.9] as const;

/** Which reminders (and the breach notice) are due for one clock at `now`. */
export function dueReminders(
  clock: "acknowledge" | "respond",
  startedAt: Date,
  dueBy: Date,
  now: Date,
): { kind: string; text: string }[] {
  const span = dueBy.getTime() - startedAt.getTime();
  const elapsed = now.getTime() - startedAt.getTime();
  const due: { kind: string; text: string }[] = [];
  for (const fraction of REMINDER_FRACTIONS) {
    if (elapsed >= span * fraction && elapsed < span) {
      due.push({
        kind: `${clock}-${fraction * 100}`,
        text: `${fraction * 100}% of the time to ${clock} has passed; due ${dueBy.toISOString()}`,
      });
    }
  }
  if (elapsed >= span)
    due.push({ kind: `${clock}-breach`, text: `the deadline to ${clock} passed at ${dueBy.toISOString()}` });
  return due;
}
