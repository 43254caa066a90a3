import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router-dom";
import { LanguageSwitch } from "./components/LanguageSwitch.tsx";
import { Layout } from "./components/Layout.tsx";
import { Loading } from "./components/states.tsx";
import { SessionProvider, useSession } from "./session.tsx";
import { LoginPage } from "./views/LoginPage.tsx";

// Each view is its own chunk: the shell stays small and a view loads when first visited.
const Dashboard = lazy(() => import("./views/Dashboard.tsx"));
const Inbox = lazy(() => import("./views/Inbox.tsx"));
const ThreadView = lazy(() => import("./views/ThreadView.tsx"));
const Compose = lazy(() => import("./views/Compose.tsx"));
const Approvals = lazy(() => import("./views/Approvals.tsx"));
const WorkplanBoard = lazy(() => import("./views/WorkplanBoard.tsx"));
const Directory = lazy(() => import("./views/Directory.tsx"));
const Audit = lazy(() => import("./views/Audit.tsx"));
const Administration = lazy(() => import("./views/Administration.tsx"));
const Notices = lazy(() => import("./views/Notices.tsx"));
const SecondFactor = lazy(() => import("./views/SecondFactor.tsx"));

/**
 * An administrator or approver signed in without the second factor their role requires: the node serves them
 * nothing but enrolment, so the app shows nothing else.
 */
function EnrolmentGate() {
  const { t } = useTranslation();
  const { logout } = useSession();
  return (
    <div className="login-page">
      <header className="login-header">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          <span className="brand-name">Liaison</span>
        </span>
        <LanguageSwitch />
        <button type="button" className="button button-quiet" onClick={() => void logout()}>
          {t("header.signOut")}
        </button>
      </header>
      <main id="main" className="login-card">
        <Suspense fallback={<Loading label={t("common.loading")} />}>
          <SecondFactor required />
        </Suspense>
      </main>
    </div>
  );
}

function Routed() {
  const { user, loading } = useSession();
  const { t } = useTranslation();
  if (loading) return <Loading label={t("common.loading")} />;
  if (!user) return <LoginPage />;
  if (user.restriction === "totp-enrolment") return <EnrolmentGate />;
  return (
    <Layout>
      <Suspense fallback={<Loading label={t("common.loading")} />}>
        <Routes>
          <Route path="/" element={<Dashboard />} />
          <Route path="/inbox" element={<Inbox />} />
          <Route path="/threads/:id" element={<ThreadView />} />
          <Route path="/compose" element={<Compose />} />
          <Route path="/approvals" element={<Approvals />} />
          <Route path="/workplan" element={<WorkplanBoard />} />
          <Route path="/directory" element={<Directory />} />
          <Route path="/audit" element={<Audit />} />
          <Route path="/admin" element={<Administration />} />
          <Route path="/notices" element={<Notices />} />
          <Route path="/security" element={<SecondFactor />} />
          <Route path="/login" element={<Navigate to="/" replace />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Routed />
    </SessionProvider>
  );
}
