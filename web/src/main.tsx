import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App.tsx";
import { ApiError } from "./api/client.ts";
import { initI18n } from "./i18n/i18n.ts";
import "./styles.css";

initI18n();
/** A session that ended (expired, signed out elsewhere) shows the sign-in page instead of failing views. */
const onError = (error: unknown) => {
  if (error instanceof ApiError && error.status === 401 && queryClient.getQueryData(["session"])) {
    queryClient.setQueryData(["session"], null);
  }
};
const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    // A missing endpoint (404) or a refusal will not fix itself by retrying.
    queries: { retry: (count, error) => count < 1 && !(error as { status?: number }).status, staleTime: 10_000 },
  },
});

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
