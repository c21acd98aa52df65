/** The reset link (`/reset/<token>`): a new password; every device is signed out afterwards. */
import { Anchor, Button, Group, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { errorText } from '../components/QueryState';
import { AccountLinkLayout } from './AccountLinkLayout';
import { NewPasswordFields } from './NewPasswordFields';

export default function ResetPasswordPage() {
  const { token = '' } = useParams();
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
  return (
    <AccountLinkLayout title="Choose a new password">
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
            .catch((err: unknown) => setError(err instanceof ApiError && err.status === 410 ? 'This link has expired or was already used. Ask for a new one.' : errorText(err)))
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
