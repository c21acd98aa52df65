/**
 * The invitation link (`/invite/<token>`): who invited whom, and the invitee chooses their own
 * password. A used, revoked or expired link says so and points to the person who invited them; an
 * address that already has an account (in this firm or another) is told why it cannot join this way.
 */
import { Alert, Anchor, Button, Group, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { errorText } from '../components/QueryState';
import { ROLE_LABEL } from '../lib/roles';
import type { Role } from '../http/types';
import { AccountLinkLayout } from './AccountLinkLayout';
import { NewPasswordFields } from './NewPasswordFields';

const TAKEN_TEXT =
  'This email address already has a Taalmel account, and an address signs in to one firm only. Sign in with it as usual, or ask the person who invited you to invite another address of yours.';

/** The reader's explanation of a refused link: gone (410), address taken (409 `email_taken`), or the API's own words. */
function refusalText(err: unknown): string {
  if (err instanceof ApiError && err.status === 410) return 'This invitation link has expired or was already used. Ask the person who invited you to send it again.';
  if (err instanceof ApiError && err.code === 'email_taken') return TAKEN_TEXT;
  return errorText(err);
}

type Invitation = { firmName: string; email: string; name: string; role: Role; expiresAt: string };

export default function AcceptInvitationPage() {
  const { token = '' } = useParams();
  const invitation = useQuery({ queryKey: ['invitation', token], queryFn: () => api.get<Invitation>(`/api/invitations/by-token/${encodeURIComponent(token)}`), retry: false });
  const [name, setName] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  if (invitation.isPending) return <AccountLinkLayout title="Your invitation">Loading…</AccountLinkLayout>;
  if (invitation.isError) {
    return (
      <AccountLinkLayout title="Your invitation">
        <Alert color="red" role="alert">
          {refusalText(invitation.error)}
        </Alert>
      </AccountLinkLayout>
    );
  }
  const inv = invitation.data;
  if (done) {
    return (
      <AccountLinkLayout title="You are in">
        <Text>Your account is ready. Sign in with {inv.email} and the password you chose.</Text>
        <Button component={Link} to="/sign-in">
          Sign in
        </Button>
      </AccountLinkLayout>
    );
  }
  return (
    <AccountLinkLayout title={`Join ${inv.firmName}`}>
      <Text size="sm">
        You are invited as {ROLE_LABEL[inv.role] ?? inv.role} with the email <b>{inv.email}</b>. Choose your password to finish.
      </Text>
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
            .post(`/api/invitations/by-token/${encodeURIComponent(token)}/accept`, { password, ...(name && name !== inv.name ? { name } : {}) })
            .then(() => setDone(true))
            .catch((err: unknown) => setError(refusalText(err)))
            .finally(() => setBusy(false));
        }}
      >
        <TextInput label="Your name" value={name ?? inv.name} onChange={(e) => setName(e.currentTarget.value)} required maxLength={200} mb="sm" />
        <NewPasswordFields label="Password" password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} error={error} />
        <Group justify="space-between">
          <Anchor component={Link} to="/sign-in" size="sm">
            I already have an account
          </Anchor>
          <Button type="submit" loading={busy}>
            Create my account
          </Button>
        </Group>
      </form>
    </AccountLinkLayout>
  );
}
