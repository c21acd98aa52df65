/** "Forgot password": asks for the email; the answer is the same whether or not an account uses it. */
import { Alert, Anchor, Button, Group, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../http/client';
import { errorText } from '../components/QueryState';
import { AccountLinkLayout } from './AccountLinkLayout';

export default function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <AccountLinkLayout title="Forgot your password?">
      {sent ? (
        <Alert color="green" role="status">
          If an account uses {email}, an email with a link to choose a new password is on its way. The link works once, for 30 minutes.
        </Alert>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            api
              .post('/api/auth/password-reset', { email })
              .then(() => setSent(true))
              .catch((err: unknown) => setError(errorText(err)))
              .finally(() => setBusy(false));
          }}
        >
          <Text size="sm" mb="sm">
            Enter the email you sign in with; we will send you a link to choose a new password.
          </Text>
          <TextInput label="Email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required autoComplete="username" autoFocus mb="sm" />
          {error ? (
            <Alert color="red" role="alert" mb="sm">
              {error}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button type="submit" loading={busy}>
              Send the link
            </Button>
          </Group>
        </form>
      )}
      <Anchor component={Link} to="/sign-in" size="sm">
        Back to sign-in
      </Anchor>
    </AccountLinkLayout>
  );
}
