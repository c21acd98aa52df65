/**
 * Sign-in: email, password and a device name; the authenticator code when the account has TOTP;
 * and, when the person is already signed in on as many devices as allowed, the choice of which
 * device to sign out. Afterwards, back to the page they were sent here from.
 */
import { Alert, Anchor, Box, Button, Card, Center, Group, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { ME_KEY, useSession } from '../http/session';
import type { DeviceSession } from '../http/types';
import { errorText } from '../components/QueryState';
import { formatDateTime } from '../lib/format';
import { safeNext } from '../lib/safe-next';

function defaultDeviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Linux/.test(ua) ? 'Linux' : 'unknown system';
  return `${browser} on ${os}`;
}


export function SignInPage() {
  const { user } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [deviceName, setDeviceName] = useState(defaultDeviceName);
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [devices, setDevices] = useState<DeviceSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  if (user && !busy) return <Navigate to={next} replace />;

  async function signIn(replaceSessionId?: string) {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/login', { email, password, deviceName, ...(totp ? { totp } : {}), ...(replaceSessionId ? { replaceSessionId } : {}) });
      // Nothing cached from an earlier session survives; the session query itself is refetched in
      // place (removing it would leave the session provider watching a query that is gone).
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      await queryClient.refetchQueries({ queryKey: ME_KEY });
      void navigate(next, { replace: true });
    } catch (e) {
      if (e instanceof ApiError) {
        if (e.code === 'device_limit') {
          setDevices((e.details.sessions as DeviceSession[]) ?? []);
        } else if (e.code === 'totp_required') {
          setNeedTotp(true);
          setError('Enter the 6-digit code from your authenticator app.');
        } else if (e.code === 'invalid_totp') {
          setNeedTotp(true);
          setError('That authenticator code is not right (or was already used). Wait for the next one.');
        } else if (e.code === 'invalid_credentials') {
          const left = typeof e.details.attemptsLeft === 'number' ? e.details.attemptsLeft : null;
          setError(
            left === null
              ? 'The email or password is not right.'
              : left === 0
                ? 'The email or password is not right. Sign-ins from new devices are now paused for a while; reset your password or ask your firm admin to unlock you.'
                : `The email or password is not right. ${left} attempt${left === 1 ? '' : 's'} left before sign-ins from new devices are paused.`,
          );
        } else if (e.code === 'rate_limited') {
          setError('Too many attempts. Sign-ins to this account are paused for a while; reset your password, ask your firm admin to unlock you, or try again later.');
        } else setError(errorText(e));
      } else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" bg="gray.0" p="md" component="main">
      <Box w={440} maw="100%">
        <Stack gap="lg">
          <div>
            <Title order={1} size="h2" c="ink.9">
              Taalmel
            </Title>
            <Text c="dimmed" size="sm">
              GST reconciliation, period close and client work for your firm
            </Text>
          </div>
          <Card withBorder shadow="sm" padding="lg">
            {devices ? (
              <Stack>
                <Title order={2} size="h4">
                  You are signed in on too many devices
                </Title>
                <Text size="sm">Choose a device to sign out; you will then be signed in here.</Text>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Device</Table.Th>
                      <Table.Th>Last active</Table.Th>
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {devices.map((d) => (
                      <Table.Tr key={d.id}>
                        <Table.Td>
                          <Text size="sm" fw={500}>
                            {d.deviceName ?? 'Unnamed device'}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {d.ip ?? ''} · since {formatDateTime(d.createdAt)}
                          </Text>
                        </Table.Td>
                        <Table.Td>{formatDateTime(d.lastSeenAt)}</Table.Td>
                        <Table.Td>
                          {/* The name starts with the words shown (WCAG 2.5.3, label in name), then says which device: two may share a name. */}
                          <Button size="xs" variant="light" color="red" loading={busy} onClick={() => void signIn(d.id)} aria-label={`Sign out this one: ${d.deviceName ?? 'Unnamed device'}, last active ${formatDateTime(d.lastSeenAt)}`}>
                            Sign out this one
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Anchor component="button" size="sm" onClick={() => setDevices(null)}>
                  Back
                </Anchor>
              </Stack>
            ) : (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void signIn();
                }}
              >
                <Stack>
                  <Title order={2} size="h4">
                    Sign in
                  </Title>
                  {params.get('next') ? (
                    <Alert color="blue" variant="light">
                      Sign in to continue where you were.
                    </Alert>
                  ) : null}
                  <TextInput label="Email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required autoComplete="username" autoFocus />
                  <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} required autoComplete="current-password" />
                  {needTotp ? (
                    <TextInput label="Authenticator code" value={totp} onChange={(e) => setTotp(e.currentTarget.value.replace(/\D/g, ''))} inputMode="numeric" maxLength={6} autoComplete="one-time-code" />
                  ) : null}
                  <TextInput label="Name this device" description="Shown in your list of devices, so you can sign it out later." value={deviceName} onChange={(e) => setDeviceName(e.currentTarget.value)} maxLength={200} />
                  {error ? (
                    <Alert color="red" role="alert">
                      {error}
                    </Alert>
                  ) : null}
                  <Group justify="space-between">
                    <Anchor component={Link} to="/forgot-password" size="sm">
                      Forgot your password?
                    </Anchor>
                    <Button type="submit" loading={busy}>
                      Sign in
                    </Button>
                  </Group>
                </Stack>
              </form>
            )}
          </Card>
        </Stack>
      </Box>
    </Center>
  );
}
