import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { AuditEvent, TreeHead } from "../api/contract.ts";
import { audit, directory } from "../api/endpoints.ts";
import { Empty, ErrorState, QueryState } from "../components/states.tsx";
import { useFormat } from "../lib/format.ts";
import { type SignatureCheck, verifyCompactJws } from "../lib/jws.ts";
import { decodeBytes, toHex, verifyInclusion } from "../lib/merkle.ts";
import { readTreeHead, type TreeHeadPayload } from "../lib/tree-head.ts";

type Verdict = { state: "checking" } | { state: "ok"; treeSize: number } | { state: "failed"; why: string };

/** Fetches the leaf and its proof, then recomputes the root here, in the browser, against the signed head. */
async function verifyEvent(index: number, head: TreeHeadPayload): Promise<Verdict> {
  const [leaf] = await audit.leaves(index, index + 1);
  if (!leaf) return { state: "failed", why: "leaf not served" };
  const proof = await audit.inclusionProof(index, head.treeSize);
  const ok = await verifyInclusion(
    index,
    head.treeSize,
    decodeBytes(leaf.data),
    proof.path.map(decodeBytes),
    head.rootHash,
  );
  return ok ? { state: "ok", treeSize: head.treeSize } : { state: "failed", why: "root mismatch" };
}

function when(timestamp: string | number | undefined, format: ReturnType<typeof useFormat>) {
  if (timestamp === undefined) return "—";
  return format.dateTime(new Date(typeof timestamp === "number" && timestamp < 1e12 ? timestamp * 1000 : timestamp));
}

function SignatureVerdict({ check }: { check: SignatureCheck | null | undefined }) {
  const { t } = useTranslation();
  if (check === undefined) return <span className="muted">{t("audit.checking")}</span>;
  if (check === null) return <span className="muted">{t("audit.signatureUnchecked")}</span>;
  return check.state === "valid" ? (
    <span className="verdict verdict-ok">✓ {t("audit.signatureValid", { kid: check.kid })}</span>
  ) : (
    <span className="verdict verdict-failed" role="alert">
      ✗ {t("audit.signatureInvalid")} ({check.why})
    </span>
  );
}

export default function Audit() {
  const { t } = useTranslation();
  const format = useFormat();
  const head = useQuery({ queryKey: ["tree-head"], queryFn: audit.treeHead });
  const keys = useQuery({ queryKey: ["audit-keys"], queryFn: audit.keys });
  const people = useQuery({ queryKey: ["directory-users"], queryFn: directory.users });
  const actorName = (actor: string | undefined) =>
    (actor && people.data?.find((u) => u.userId === actor)?.username) ?? actor;
  // Signatures are checked here with Web Crypto, against the keys pinned for each party.
  const signatures = useQuery({
    queryKey: ["tree-head-signatures", head.data?.signed, keys.data],
    enabled: Boolean(head.data && keys.data),
    queryFn: async () => {
      const data = head.data as TreeHead;
      const pinned = keys.data as NonNullable<typeof keys.data>;
      const own = await verifyCompactJws(data.signed, pinned.keys).catch(() => null);
      const witnesses = await Promise.all(
        (data.witnesses ?? []).map((w) =>
          verifyCompactJws(w.signed, pinned.peers.find((p) => p.party === w.party)?.keys ?? []).catch(() => null),
        ),
      );
      return { own, witnesses };
    },
  });
  const [filter, setFilter] = useState<Record<string, string>>({});
  const events = useQuery({
    queryKey: ["audit-events", filter],
    queryFn: () => audit.events({ ...filter, limit: 50 }),
  });
  const [verdicts, setVerdicts] = useState<Record<number, Verdict>>({});

  let parsed: TreeHeadPayload | null = null;
  let parseError: unknown = null;
  try {
    parsed = head.data ? readTreeHead(head.data.signed) : null;
  } catch (error) {
    parseError = error;
  }

  async function verify(event: AuditEvent) {
    const index = event.index;
    if (index === undefined || !parsed) return;
    setVerdicts((v) => ({ ...v, [index]: { state: "checking" } }));
    const verdict = await verifyEvent(index, parsed).catch((e: Error) => ({
      state: "failed" as const,
      why: e.message,
    }));
    setVerdicts((v) => ({ ...v, [index]: verdict }));
  }
  function onSearch(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: Record<string, string> = {};
    for (const key of ["actor", "action", "from", "to"]) {
      const value = String(form.get(key) ?? "").trim();
      if (value) next[key] = key === "from" || key === "to" ? new Date(value).toISOString() : value;
    }
    setFilter(next);
  }

  return (
    <div className="page">
      <h1>{t("audit.title")}</h1>
      <section className="card" aria-labelledby="head-heading">
        <h2 id="head-heading">{t("audit.treeHead")}</h2>
        <QueryState query={head} what={t("audit.treeHead")}>
          {(data) =>
            parseError || !parsed ? (
              <ErrorState error={parseError} />
            ) : (
              <>
                <dl className="facts">
                  <div>
                    <dt>{t("audit.treeSize")}</dt>
                    <dd data-testid="tree-size">{format.number(parsed.treeSize)}</dd>
                  </div>
                  <div>
                    <dt>{t("audit.rootHash")}</dt>
                    <dd>
                      <code className="hash">{toHex(parsed.rootHash)}</code>
                    </dd>
                  </div>
                  <div>
                    <dt>{t("audit.signedAt")}</dt>
                    <dd>{when(parsed.timestamp, format)}</dd>
                  </div>
                  <div>
                    <dt>{t("audit.signature")}</dt>
                    <dd data-testid="head-signature">
                      <SignatureVerdict check={signatures.data?.own} />
                    </dd>
                  </div>
                </dl>
                <h3>{t("audit.witnesses")}</h3>
                {data.witnesses?.length ? (
                  <ul className="list">
                    {data.witnesses.map((w) => (
                      <li key={w.party} className="list-row">
                        <span>
                          {t(`party.${w.party}`, w.party)}{" "}
                          <SignatureVerdict check={signatures.data?.witnesses[data.witnesses?.indexOf(w) ?? -1]} />
                        </span>
                        <span className="muted small">
                          {w.treeSize !== undefined
                            ? t("audit.witnessedSize", { size: format.number(w.treeSize) })
                            : null}
                          {w.receivedAt ? ` · ${format.dateTime(w.receivedAt)}` : ""}
                        </span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <Empty>{t("audit.noWitnesses")}</Empty>
                )}
              </>
            )
          }
        </QueryState>
      </section>
      <section className="card" aria-labelledby="events-heading">
        <h2 id="events-heading">{t("audit.events")}</h2>
        <form className="filters" aria-label={t("audit.search")} onSubmit={onSearch}>
          <div className="field">
            <label htmlFor="a-actor">{t("audit.actor")}</label>
            <input id="a-actor" name="actor" />
          </div>
          <div className="field">
            <label htmlFor="a-action">{t("audit.action")}</label>
            <input id="a-action" name="action" placeholder="notice.send" />
          </div>
          <div className="field">
            <label htmlFor="a-from">{t("audit.from")}</label>
            <input id="a-from" name="from" type="date" />
          </div>
          <div className="field">
            <label htmlFor="a-to">{t("audit.to")}</label>
            <input id="a-to" name="to" type="date" />
          </div>
          <button type="submit" className="button">
            {t("audit.search")}
          </button>
        </form>
        <QueryState query={events} what={t("audit.events")}>
          {(items) =>
            items.length === 0 ? (
              <Empty>{t("audit.noEvents")}</Empty>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">{t("audit.at")}</th>
                    <th scope="col">{t("audit.actor")}</th>
                    <th scope="col">{t("audit.action")}</th>
                    <th scope="col">{t("audit.outcome")}</th>
                    <th scope="col">{t("audit.verify")}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e, i) => {
                    const verdict = e.index !== undefined ? verdicts[e.index] : undefined;
                    return (
                      <tr key={e.index ?? e.id ?? i}>
                        <td>{e.index ?? "—"}</td>
                        <td>{format.dateTime(e.at)}</td>
                        <td title={e.actor}>{actorName(e.actor)}</td>
                        <td>
                          <code>{e.action}</code>
                        </td>
                        <td>{e.outcome}</td>
                        <td>
                          {verdict?.state === "ok" ? (
                            <span className="verdict verdict-ok" role="status">
                              ✓ {t("audit.verified", { size: format.number(verdict.treeSize) })}
                            </span>
                          ) : verdict?.state === "failed" ? (
                            <span className="verdict verdict-failed" role="alert">
                              ✗ {t("audit.verifyFailed")} ({verdict.why})
                            </span>
                          ) : (
                            <button
                              type="button"
                              className="button button-small"
                              disabled={
                                e.index === undefined ||
                                !parsed ||
                                e.index >= parsed.treeSize ||
                                verdict?.state === "checking"
                              }
                              title={
                                parsed && e.index !== undefined && e.index >= parsed.treeSize
                                  ? t("audit.notYetSigned")
                                  : undefined
                              }
                              onClick={() => void verify(e)}
                            >
                              {verdict?.state === "checking" ? t("audit.checking") : t("audit.verifyThis")}
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          }
        </QueryState>
      </section>
    </div>
  );
}
