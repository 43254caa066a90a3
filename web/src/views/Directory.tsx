import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { directory } from "../api/endpoints.ts";
import { Empty, QueryState } from "../components/states.tsx";
import { AGENCIES, PARTY_NAMES } from "../lib/domain.ts";

export default function Directory() {
  const { t } = useTranslation();
  const agencies = useQuery({ queryKey: ["directory-agencies"], queryFn: directory.agencies });
  const users = useQuery({ queryKey: ["directory-users"], queryFn: directory.users });
  return (
    <div className="page">
      <h1>{t("directory.title")}</h1>
      <div className="grid grid-2">
        {(["IN", "CA"] as const).map((party) => (
          <section key={party} className="card" aria-labelledby={`dir-${party}`}>
            <h2 id={`dir-${party}`}>{t(`party.${party}`, PARTY_NAMES[party] ?? party)}</h2>
            <h3>{t("directory.officers")}</h3>
            <QueryState query={users} what={t("directory.officers")}>
              {(items) => {
                const mine = items.filter((u) => u.party === party);
                return mine.length === 0 ? (
                  <Empty>{t("directory.none")}</Empty>
                ) : (
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">{t("directory.name")}</th>
                        <th scope="col">{t("header.agency")}</th>
                        <th scope="col">{t("header.role")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {mine.map((u) => (
                        <tr key={u.userId}>
                          <td>
                            {u.displayName ?? u.username ?? u.userId}
                            {u.username ? <div className="muted small">{u.username}</div> : null}
                          </td>
                          <td>{u.agency ? (AGENCIES[u.agency]?.acronym ?? u.agency) : "—"}</td>
                          <td>{u.role ? t(`role.${u.role}`, u.role) : "—"}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                );
              }}
            </QueryState>
            <h3>{t("directory.agencies")}</h3>
            <QueryState query={agencies} what={t("directory.agencies")}>
              {(items) => {
                const mine = items.filter((a) => a.party === party);
                return mine.length === 0 ? (
                  <Empty>{t("directory.none")}</Empty>
                ) : (
                  <ul className="list">
                    {mine.map((a) => (
                      <li key={a.id} className="list-block">
                        <strong>{a.acronym ?? a.id}</strong> {a.name}
                        {a.mandate ? <p className="muted small">{a.mandate}</p> : null}
                        {a.lanes?.length ? (
                          <p className="small">
                            {a.lanes.map((l) => (
                              <span key={l} className="pill">
                                {t(`lane.${l}`, l)}
                              </span>
                            ))}
                          </p>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                );
              }}
            </QueryState>
          </section>
        ))}
      </div>
    </div>
  );
}
