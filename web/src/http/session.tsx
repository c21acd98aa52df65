/**
 * Who is signed in. The session lives only in the httpOnly cookie; the app asks `/api/auth/me` to
 * learn who it is. Any 401 from the API (expired, revoked, signed out elsewhere) clears the cached
 * user, and the router's guard sends the person to sign-in with the page they were on, so they come
 * back to it afterwards.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { api, ApiError, setUnauthorizedListener } from './client';
import type { AppLinks, Me, User } from './types';

// What each role may do lives in can.ts (no React, so unit tests run the rules); importers keep this path.
export { CAN } from './can';

type SessionValue = { user: User | null; links: AppLinks; loading: boolean; refresh: () => Promise<unknown>; signOut: () => Promise<void> };

const SessionContext = createContext<SessionValue | null>(null);

export const ME_KEY = ['auth', 'me'] as const;

const NO_LINKS: AppLinks = { adminConsole: null, temporalUi: null };

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        return await api.get<Me>('/api/auth/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });

  useEffect(() => {
    setUnauthorizedListener(() => {
      // Everything cached belonged to the session that ended.
      queryClient.setQueryData(ME_KEY, null);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
    });
  }, [queryClient]);

  const value = useMemo<SessionValue>(
    () => ({
      user: me.data?.user ?? null,
      links: me.data?.links ?? NO_LINKS,
      loading: me.isPending,
      refresh: () => queryClient.invalidateQueries({ queryKey: ME_KEY }),
      async signOut() {
        try {
          await api.post('/api/auth/logout');
        } finally {
          queryClient.setQueryData(ME_KEY, null);
          queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
        }
      },
    }),
    [me.data, me.isPending, queryClient],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in user (inside the authenticated shell only). */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}
