/** The router: sign-in outside, everything else inside the signed-in shell, built from nav.ts. */
import { Center, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { useSession } from './http/session';
import { Shell } from './components/Shell';
import { allowed, PAGES } from './nav';
import { NotFoundPage } from './pages/NotFoundPage';
import { SignInPage } from './pages/SignInPage';

// Reached from email links, without a session (docs/accounts.md).
const AcceptInvitationPage = lazy(() => import('./pages/AcceptInvitationPage'));
const ForgotPasswordPage = lazy(() => import('./pages/ForgotPasswordPage'));
const ResetPasswordPage = lazy(() => import('./pages/ResetPasswordPage'));

function Loading() {
  return (
    <Center h="60vh" aria-busy="true">
      <Loader role="status" aria-label="Loading" />
    </Center>
  );
}

/** No session: to sign-in, remembering where the person was going. */
function RequireSession() {
  const { user, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!user) {
    const back = `${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in${back === '/' ? '' : `?next=${encodeURIComponent(back)}`}`} replace />;
  }
  return (
    <Shell>
      <Suspense fallback={<Loading />}>
        <Routes>
          {PAGES.filter((p) => allowed(p, user.role)).map((p) => (
            <Route key={p.path} path={p.path} element={<p.page />} />
          ))}
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Suspense>
    </Shell>
  );
}

export function AppRouter() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
        <Route path="/invite/:token" element={<Suspense fallback={<Loading />}><AcceptInvitationPage /></Suspense>} />
        <Route path="/forgot-password" element={<Suspense fallback={<Loading />}><ForgotPasswordPage /></Suspense>} />
        <Route path="/reset/:token" element={<Suspense fallback={<Loading />}><ResetPasswordPage /></Suspense>} />
        {/* The link cut off before its code (`/reset`, `/reset/`): the same page says what is missing. */}
        <Route path="/reset" element={<Suspense fallback={<Loading />}><ResetPasswordPage /></Suspense>} />
        <Route path="*" element={<RequireSession />} />
      </Routes>
    </BrowserRouter>
  );
}
