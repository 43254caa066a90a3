import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import type { ThreadSummary } from "../api/contract.ts";
import { threads } from "../api/endpoints.ts";
import { Empty, QueryState } from "../components/states.tsx";
import { LANES, PRIORITIES } from "../lib/domain.ts";
import { nextDeadline, useFormat } from "../lib/format.ts";
import { useDebounced } from "../lib/useDebounced.ts";
import { ThreadList } from "./ThreadList.tsx";

/** Sorted by the deadline that comes first; threads without one go last. */
export function filterAndSort(items: ThreadSummary[], filter: { lane: string; priority: string; search: string }) {
  const search = filter.search.trim().toLowerCase();
  return items
    .filter((th) => !filter.lane || th.lane === filter.lane)
    .filter((th) => !filter.priority || th.priority === filter.priority)
    .filter((th) => !search || th.subject.toLowerCase().includes(search) || th.id.toLowerCase().includes(search))
    .map((th) => ({ th, due: nextDeadline(th.deadlines) }))
    .sort((a, b) => (a.due && b.due ? a.due.localeCompare(b.due) : a.due ? -1 : b.due ? 1 : 0))
    .map(({ th }) => th);
}

/** PostgreSQL's ts_headline marks hits with <b>; render them as <mark> without trusting any other markup. */
function Snippet({ text }: { text: string }) {
  const parts = text.split(/<b>|<\/b>/);
  return (
    <>
      {parts.map((part, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never reorder
        i % 2 === 1 ? <mark key={i}>{part}</mark> : <span key={i}>{part}</span>,
      )}
    </>
  );
}

export default function Inbox() {
  const { t } = useTranslation();
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const direction = params.get("direction") === "outbound" ? "outbound" : "inbound";
  const [lane, setLane] = useState("");
  const [priority, setPriority] = useState("");
  const [search, setSearch] = useState("");
  const deferredSearch = useDeferredValue(search);
  const query = useQuery({ queryKey: ["threads", direction], queryFn: () => threads.list({ direction }) });
  const textQuery = useDebounced(search.trim(), 400);
  const textMatches = useQuery({
    queryKey: ["exchange-search", textQuery],
    queryFn: () => threads.search(textQuery),
    enabled: textQuery.length >= 3,
  });
  const visible = useMemo(
    () => filterAndSort(query.data ?? [], { lane, priority, search: deferredSearch }),
    [query.data, lane, priority, deferredSearch],
  );

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("inbox.title")}</h1>
        <Link to="/compose" className="button button-primary">
          {t("nav.compose")}
        </Link>
      </div>
      <fieldset className="tabs">
        <legend className="visually-hidden">{t("inbox.direction")}</legend>
        {(["inbound", "outbound"] as const).map((d) => (
          <button
            key={d}
            type="button"
            className={`tab ${direction === d ? "tab-active" : ""}`}
            aria-pressed={direction === d}
            onClick={() => setParams({ direction: d })}
          >
            {t(`inbox.${d}`)}
          </button>
        ))}
      </fieldset>
      <form className="filters" aria-label={t("inbox.filters")} onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="thread-search">{t("inbox.search")}</label>
          <input id="thread-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="thread-lane">{t("common.lane")}</label>
          <select id="thread-lane" value={lane} onChange={(e) => setLane(e.target.value)}>
            <option value="">{t("common.all")}</option>
            {LANES.map((l) => (
              <option key={l} value={l}>
                {t(`lane.${l}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="thread-priority">{t("common.priority")}</label>
          <select id="thread-priority" value={priority} onChange={(e) => setPriority(e.target.value)}>
            <option value="">{t("common.all")}</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`priority.${p}`)}
              </option>
            ))}
          </select>
        </div>
      </form>
      {textQuery.length >= 3 && textMatches.data?.length ? (
        <section className="card" aria-labelledby="text-matches-heading">
          <h2 id="text-matches-heading">{t("inbox.textMatches")}</h2>
          <ul className="list">
            {textMatches.data.slice(0, 10).map((m) => (
              <li key={m.id} className="list-block">
                <Link to={`/threads/${m.threadId}`}>{m.subject}</Link>
                <p className="small muted">
                  <Snippet text={m.snippet} />
                </p>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <QueryState query={query} what={t("inbox.title")}>
        {() =>
          visible.length === 0 ? (
            <Empty>{t("inbox.empty")}</Empty>
          ) : (
            <>
              <p className="muted" aria-live="polite">
                {t("inbox.count", { count: visible.length, formatted: format.number(visible.length) })}
              </p>
              <ThreadList items={visible} label={t(`inbox.${direction}`)} />
            </>
          )
        }
      </QueryState>
    </div>
  );
}
