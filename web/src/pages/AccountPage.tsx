/** My account: signed-in devices with remote sign-out, two-factor authentication, password. */
import { Alert, Badge, Button, Card, Code, Group, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { QRCodeSVG } from 'qrcode.react';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { useSession, useUser } from '../http/session';
import type { DeviceSession } from '../http/types';
import { PageHeader } from '../components/PageHeader';
import { errorText, QueryState } from '../components/QueryState';
import { useReauth } from '../components/Reauth';
import { formatDateTime } from '../lib/format';
import { notifyDone, notifyError } from '../lib/notify';

function Devices() {
  const sessions = useQuery({ queryKey: ['auth', 'sessions'], queryFn: () => api.get<{ items: DeviceSession[] }>('/api/auth/sessions') });
  const queryClient = useQueryClient();
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="sm">
        My devices
      </Title>
      <QueryState query={sessions} label="devices" isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <Table.ScrollContainer minWidth={560}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Device</Table.Th>
                  <Table.Th>Address</Table.Th>
                  <Table.Th>Signed in</Table.Th>
                  <Table.Th>Last active</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.items.map((s) => (
                  <Table.Tr key={s.id}>
                    <Table.Td>
                      {s.deviceName ?? 'Unnamed device'}{' '}
                      {s.current ? (
                        <Badge size="xs" variant="light">
                          this device
                        </Badge>
                      ) : null}
                    </Table.Td>
                    <Table.Td className="mono">{s.ip ?? '—'}</Table.Td>
                    <Table.Td>{formatDateTime(s.createdAt)}</Table.Td>
                    <Table.Td>{formatDateTime(s.lastSeenAt)}</Table.Td>
                    <Table.Td>
                      {!s.current ? (
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          aria-label={`Sign out ${s.deviceName ?? 'device'}`}
                          onClick={() => {
                            void api
                              .del(`/api/auth/sessions/${s.id}`)
                              .then(() => queryClient.invalidateQueries({ queryKey: ['auth', 'sessions'] }))
                              .then(() => notifyDone('That device is signed out.'))
                              .catch((e: unknown) => notifyError(e));
                          }}
                        >
                          Sign out
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
    </Card>
  );
}

function TwoFactor() {
  const user = useUser();
  const { refresh } = useSession();
  const reauth = useReauth();
  const [setup, setSetup] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(work: () => Promise<unknown>, done: string) {
    setBusy(true);
    setError(null);
    try {
      await work();
      notifyDone(done);
      setSetup(null);
      setCode('');
      await refresh();
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'reauth_cancelled')) setError(e instanceof ApiError && e.code === 'invalid_totp' ? 'That code is not right. Check the time on your phone and try the next code.' : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Two-factor authentication
        </Title>
        <Badge color={user.totpEnabled ? 'green' : 'gray'}>{user.totpEnabled ? 'On' : 'Off'}</Badge>
      </Group>
      <Stack gap="sm">
        {!user.totpEnabled && !setup ? (
          <>
            <Text size="sm">Use an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…) for a code at every sign-in.</Text>
            <Group>
              <Button loading={busy} onClick={() => void api.post<{ secret: string; otpauthUrl: string }>('/api/auth/totp/setup').then(setSetup).catch((e: unknown) => setError(errorText(e)))}>
                Set up
              </Button>
            </Group>
          </>
        ) : null}
        {setup ? (
          <>
            <Text size="sm">Scan this QR code with your authenticator app (or type in the setup key below it), then enter the 6-digit code it shows.</Text>
            {/* Drawn here as SVG: the key goes to no image service and needs no inline script. */}
            <QRCodeSVG value={setup.otpauthUrl} size={184} marginSize={4} role="img" aria-label="QR code for your authenticator app" data-testid="totp-qr" />
            <Code block aria-label="Setup key">
              {setup.secret.replace(/(.{4})/g, '$1 ').trim()}
            </Code>
            <Group align="flex-end">
              <TextInput label="Code from the app" value={code} onChange={(e) => setCode(e.currentTarget.value.replace(/\D/g, ''))} maxLength={6} inputMode="numeric" autoComplete="one-time-code" />
              <Button loading={busy} disabled={code.length !== 6} onClick={() => void run(() => reauth(() => api.post('/api/auth/totp/enable', { code })), 'Two-factor authentication is on.')}>
                Turn on
              </Button>
            </Group>
          </>
        ) : null}
        {user.totpEnabled ? (
          <Group align="flex-end">
            <TextInput label="Current code, to turn it off" value={code} onChange={(e) => setCode(e.currentTarget.value.replace(/\D/g, ''))} maxLength={6} inputMode="numeric" autoComplete="one-time-code" />
            <Button color="red" variant="light" loading={busy} disabled={code.length !== 6} onClick={() => void run(() => reauth((reauthenticated) => api.post('/api/auth/totp/disable', reauthenticated ? {} : { code })), 'Two-factor authentication is off.')}>
              Turn off
            </Button>
          </Group>
        ) : null}
        {error ? (
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}

function Password() {
  const reauth = useReauth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  // A refusal about one input is shown under it: a weak new password names `newPassword`
  // (details.fields, docs/api.md); a wrong current password is 401 `invalid_credentials`.
  const [fieldErrors, setFieldErrors] = useState<{ currentPassword?: string; newPassword?: string }>({});
  const [busy, setBusy] = useState(false);
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="sm">
        Password
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          setFieldErrors({});
          reauth(() => api.post('/api/auth/password', { currentPassword: current, newPassword: next }))
            .then(() => {
              notifyDone('Password changed. Your other devices are signed out.');
              setCurrent('');
              setNext('');
            })
            .catch((err: unknown) => {
              if (err instanceof ApiError && err.code === 'reauth_cancelled') return;
              const fields = err instanceof ApiError ? ((err.details.fields as Record<string, string> | undefined) ?? {}) : {};
              if (fields.newPassword) setFieldErrors({ newPassword: `The new password ${fields.newPassword}.` });
              else if (err instanceof ApiError && err.code === 'invalid_credentials') setFieldErrors({ currentPassword: errorText(err) });
              else setError(errorText(err));
            })
            .finally(() => setBusy(false));
        }}
      >
        <Stack gap="sm" maw={380}>
          <PasswordInput
            label="Current password"
            value={current}
            onChange={(e) => {
              setCurrent(e.currentTarget.value);
              setFieldErrors({ ...fieldErrors, currentPassword: undefined });
            }}
            required
            autoComplete="current-password"
            error={fieldErrors.currentPassword}
          />
          <PasswordInput
            label="New password"
            description="12 to 128 characters, not a common password"
            value={next}
            onChange={(e) => {
              setNext(e.currentTarget.value);
              setFieldErrors({ ...fieldErrors, newPassword: undefined });
            }}
            required
            minLength={12}
            autoComplete="new-password"
            error={fieldErrors.newPassword}
          />
          {error ? (
            <Text c="red" size="sm" role="alert">
              {error}
            </Text>
          ) : null}
          <Group>
            <Button type="submit" loading={busy}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export default function AccountPage() {
  const user = useUser();
  const [params] = useSearchParams();
  return (
    <>
      <PageHeader title="My account" subtitle={`${user.name} · ${user.email}`} />
      <Stack>
        {params.get('enrol') === 'required' && !user.totpEnabled ? (
          <Alert color="orange" title="Two-factor authentication required" role="alert">
            Your firm requires firm admins to use an authenticator app. Set it up below to continue.
          </Alert>
        ) : null}
        <Devices />
        <TwoFactor />
        <Password />
      </Stack>
    </>
  );
}
