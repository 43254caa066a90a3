import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { NavLink } from "react-router-dom";
import { AGENCIES, PARTY_NAMES } from "../lib/domain.ts";
import { useSession, useUser } from "../session.tsx";
import { LanguageSwitch } from "./LanguageSwitch.tsx";

/** Items without roles are for everyone; the node still decides every request, this only hides dead ends. */
const NAV: { to: string; key: string; roles?: string[] }[] = [
  { to: "/", key: "nav.dashboard" },
  { to: "/inbox", key: "nav.inbox" },
  { to: "/compose", key: "nav.compose" },
  { to: "/approvals", key: "nav.approvals" },
  { to: "/workplan", key: "nav.workplan" },
  { to: "/directory", key: "nav.directory" },
  { to: "/audit", key: "nav.audit", roles: ["auditor", "administrator"] },
  { to: "/admin", key: "nav.admin", roles: ["administrator"] },
  { to: "/notices", key: "nav.notices" },
  { to: "/security", key: "nav.security" },
];

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const user = useUser();
  const { logout } = useSession();
  const agency = user.agency ? (AGENCIES[user.agency]?.acronym ?? user.agency) : null;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t("header.skip")}
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          <span className="brand-name">Liaison</span>
          <span className="brand-node">
            {t("header.node", { party: t(`party.${user.party}`, PARTY_NAMES[user.party] ?? user.party) })}
          </span>
        </div>
        <div className="who" data-testid="who">
          <span className="who-name">{user.displayName ?? user.username}</span>
          <span className="who-meta">
            <span className="pill" title={t("header.party")}>
              {user.party}
            </span>
            {agency ? (
              <span className="pill" title={t("header.agency")}>
                {agency}
              </span>
            ) : null}
            <span className="pill pill-role" title={t("header.role")}>
              {t(`role.${user.role}`, user.role)}
            </span>
          </span>
          <LanguageSwitch />
          <button type="button" className="button button-quiet" onClick={() => void logout()}>
            {t("header.signOut")}
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label={t("nav.label")}>
        <ul>
          {NAV.filter((item) => !item.roles || item.roles.includes(user.role)).map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} end={item.to === "/"}>
                {t(item.key)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
