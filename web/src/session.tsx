import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext } from "react";
import { ApiError, storedToken, storeToken } from "./api/client.ts";
import type { SecondFactorAnswer, User } from "./api/contract.ts";
import { auth, federation, node } from "./api/endpoints.ts";

interface Session {
  user: User | null;
  loading: boolean;
  /** Signs in, or answers the challenge to send with a code when the account has a second factor. */
  login(username: string, password: string): Promise<{ challenge: string } | undefined>;
  completeSecondFactor(challenge: string, answer: SecondFactorAnswer): Promise<void>;
  /** Asks the node again who is signed in (after enrolling a second factor lifts a restriction). */
  refresh(): Promise<void>;
  loginWithToken(token: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/**
 * Who is signed in: asked of the node (GET /auth/me) with the session cookie or the tab's API token. A token
 * whose node has no /auth/me yet is taken as the bootstrap administrator of that node's party.
 */
async function currentUser(): Promise<User | null> {
  try {
    return await auth.me();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.unavailable && storedToken()) {
      // Proves the token before trusting it: only a valid administrator token may list peers.
      await federation.peers();
      const descriptor = await node.descriptor();
      return {
        id: `admin@${descriptor.party.toLowerCase()}`,
        username: "administrator",
        role: "administrator",
        party: descriptor.party,
      };
    }
    if (error.status === 401 || error.status === 403 || error.unavailable) return null;
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  // Everything but the session query itself: its observer must keep watching the same query.
  const forgetData = () => queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== "session" });
  const me = useQuery({ queryKey: ["session"], queryFn: currentUser, staleTime: 60_000, retry: false });
  const session: Session = {
    user: me.data ?? null,
    loading: me.isPending,
    async login(username, password) {
      storeToken(null);
      const result = await auth.login(username, password);
      if ("challenge" in result) return { challenge: result.challenge };
      forgetData();
      // A session restricted to enrolling the second factor its role requires: /auth/me says so.
      queryClient.setQueryData(["session"], result.mustEnrolSecondFactor ? await currentUser() : result.user);
      return undefined;
    },
    async completeSecondFactor(challenge, answer) {
      const result = await auth.secondFactor(challenge, answer);
      forgetData();
      queryClient.setQueryData(["session"], result.user);
    },
    async refresh() {
      queryClient.setQueryData(["session"], await currentUser());
    },
    async loginWithToken(token) {
      storeToken(token.trim());
      forgetData();
      const user = await currentUser().catch(() => null);
      if (!user) {
        storeToken(null);
        throw new ApiError(401, "LIAISON_AUTH_INVALID_TOKEN", "the token is unknown or revoked");
      }
      queryClient.setQueryData(["session"], user);
    },
    async logout() {
      await auth.logout().catch(() => undefined);
      storeToken(null);
      forgetData();
      queryClient.setQueryData(["session"], null);
    },
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error("no user signed in");
  return user;
}
