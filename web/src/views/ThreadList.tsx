import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { ThreadSummary } from "../api/contract.ts";
import { DeadlineClock } from "../components/DeadlineClock.tsx";
import { TlpTag } from "../components/Tlp.tsx";
import { AGENCIES } from "../lib/domain.ts";
import { nextDeadline } from "../lib/format.ts";

const ROW_HEIGHT = 56;

/** Only the rows in view are in the DOM, so ten thousand threads scroll as smoothly as ten. */
export function ThreadList({ items, label }: { items: ThreadSummary[]; label: string }) {
  const { t } = useTranslation();
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    initialRect: { width: 800, height: 600 },
  });
  return (
    <div
      className="thread-list"
      ref={scroller}
      data-testid="thread-list"
      style={{ height: Math.min(items.length * ROW_HEIGHT + 2, 720) }}
    >
      <ul aria-label={label} style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {virtualizer.getVirtualItems().map((row) => {
          const thread = items[row.index] as ThreadSummary;
          const counterpart = thread.direction === "outbound" ? thread.toAgency : thread.fromAgency;
          return (
            <li
              key={thread.id}
              className={`thread-row priority-${thread.priority}`}
              style={{
                position: "absolute",
                top: 0,
                left: 0,
                right: 0,
                height: ROW_HEIGHT,
                transform: `translateY(${row.start}px)`,
              }}
              aria-setsize={items.length}
              aria-posinset={row.index + 1}
            >
              <Link to={`/threads/${thread.id}`} className="thread-link">
                <span className="thread-subject">{thread.subject}</span>
                <span className="thread-meta">
                  <span className="pill">{t(`lane.${thread.lane}`, thread.lane)}</span>
                  <span className={`pill pill-priority-${thread.priority}`}>
                    {t(`priority.${thread.priority}`, thread.priority ?? "")}
                  </span>
                  {counterpart ? <span className="muted">{AGENCIES[counterpart]?.acronym ?? counterpart}</span> : null}
                  {thread.assignedAgency ? (
                    <span className="muted">
                      → {AGENCIES[thread.assignedAgency]?.acronym ?? thread.assignedAgency}
                      {thread.assignee ? ` · ${thread.assignee}` : ""}
                    </span>
                  ) : null}
                </span>
              </Link>
              <TlpTag tlp={thread.tlp ?? undefined} />
              <DeadlineClock at={nextDeadline(thread.deadlines)} />
            </li>
          );
        })}
      </ul>
    </div>
  );
}
