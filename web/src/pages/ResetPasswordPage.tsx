/**
 * The reset link (`/reset/<token>`): a new password; every device is signed out afterwards. The link
 * is checked as the page opens (GET /api/auth/password-reset/:token), so a used or expired link says
 * so at once, with the way to a new one, rather than after a password was chosen and typed twice.
 */
import { Alert, Anchor, Button, Group, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../http/client';
import { linkCheckRefusesLink, RESET_LINK_INCOMPLETE, resetLinkRefusal, retryLinkCheck } from '../lib/account-links';
import { formatDateTime } from '../lib/format';
import { AccountLinkLayout } from './AccountLinkLayout';
import { NewPasswordFields } from './NewPasswordFields';

type ResetLink = { email: string; expiresAt: string };

export default function ResetPasswordPage() {
  const { token = '' } = useParams();
  const link = useQuery({
    queryKey: ['password-reset', token],
    queryFn: () => api.get<ResetLink>(`/api/auth/password-reset/${encodeURIComponent(token)}`),
    retry: retryLinkCheck,
    enabled: token !== '',
  });
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  if (done) {
    return (
      <AccountLinkLayout title="Password changed">
        <Text>Your new password is set, and every device that was signed in has been signed out.</Text>
        <Button component={Link} to="/sign-in">
          Sign in
        </Button>
      </AccountLinkLayout>
    );
  }
  // `/reset` or `/reset/` alone: no code to check, so the page says what is missing (never sign-in).
  if (token === '') return <LinkNotUsable title="This link is incomplete" color="yellow" message={RESET_LINK_INCOMPLETE} />;
  if (link.isPending) return <AccountLinkLayout title="Choose a new password">Checking the link…</AccountLinkLayout>;
  if (link.isError && linkCheckRefusesLink(link.error)) return <LinkNotUsable title="This link no longer works" color="red" message={resetLinkRefusal(link.error)} />;
  return (
    <AccountLinkLayout title="Choose a new password">
      {link.isError ? (
        // The check failed for a reason that is not the link's (network, server, throttle): the form stays.
        <Alert color="yellow">The link could not be checked just now. You can still choose a password: it is checked when you send it.</Alert>
      ) : (
        <Text size="sm">
          For <b>{link.data.email}</b>. This link works once, until {formatDateTime(link.data.expiresAt)}.
        </Text>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (password !== repeat) {
            setError('The two passwords differ.');
            return;
          }
          setBusy(true);
          setError(null);
          api
            .post(`/api/auth/password-reset/${encodeURIComponent(token)}`, { newPassword: password })
            .then(() => setDone(true))
            // The link may have been used (or have expired) since the page opened: the same words.
            .catch((err: unknown) => setError(resetLinkRefusal(err)))
            .finally(() => setBusy(false));
        }}
      >
        <NewPasswordFields label="New password" password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} error={error} />
        <Group justify="space-between">
          <Anchor component={Link} to="/forgot-password" size="sm">
            Ask for a new link
          </Anchor>
          <Button type="submit" loading={busy}>
            Set the password
          </Button>
        </Group>
      </form>
    </AccountLinkLayout>
  );
}

/** A reset link that cannot be used (incomplete, used or expired): why, and the two ways on. */
function LinkNotUsable({ title, color, message }: { title: string; color: string; message: string }) {
  return (
    <AccountLinkLayout title={title}>
      <Alert color={color} role="alert">
        {message}
      </Alert>
      <Group justify="space-between">
        <Anchor component={Link} to="/sign-in" size="sm">
          Sign in
        </Anchor>
        <Button component={Link} to="/forgot-password">
          Ask for a new link
        </Button>
      </Group>
    </AccountLinkLayout>
  );
}
