/**
 * Firm and users: the firm's settings (firm admins), its users with roles and status (firm admins
 * change them behind re-authentication; managers read), and a link to the admin console.
 */
import { Anchor, Badge, Button, Card, Group, Modal, NumberInput, Select, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../http/client';
import { CAN, useSession, useUser } from '../http/session';
import type { FirmSettings, FirmUser, Page, Role } from '../http/types';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { useReauth } from '../components/Reauth';
import { GspSettingsCard, SmtpSettingsCard } from '../components/SecretSettings';
import { RetentionSettingsCard } from '../components/RetentionSettings';
import { ROLE_LABEL } from '../lib/roles';
import { Invitations, UnlockButton } from '../components/Invitations';
import { PersonForm } from '../components/PersonForm';
import { ResetLinkButton } from '../components/ResetLinkButton';
import { maySendReset } from '../lib/password-reset';
import { formatDateTime } from '../lib/format';
import { notifyDone, notifyError } from '../lib/notify';

const ROLES = Object.keys(ROLE_LABEL) as Role[];

/** A person as the users list gives them: with when their held sign-ins end (wrong passwords), or null. */
type ListedUser = FirmUser & { lockedUntil?: string | null };
const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r] }));

function FirmSettingsCard() {
  const reauth = useReauth();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['firm', 'settings'], queryFn: () => api.get<FirmSettings>('/api/firm/settings') });
  const save = (patch: Partial<FirmSettings>) =>
    reauth(() => api.patch<FirmSettings>('/api/firm/settings', patch))
      .then((next) => {
        queryClient.setQueryData(['firm', 'settings'], next);
        notifyDone('Firm settings saved.');
      })
      .catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'reauth_cancelled')) notifyError(e);
      });
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="sm">
        Firm settings
      </Title>
      <QueryState query={settings} label="firm settings">
        {(s) => (
          <Stack gap="sm">
            <Text fw={500}>{s.name}</Text>
            <Switch
              checked={s.requireTotpForAdmins}
              onChange={(e) => void save({ requireTotpForAdmins: e.currentTarget.checked })}
              label="Firm admins must use two-factor authentication"
            />
            <Switch
              checked={s.allowSelfApproval}
              onChange={(e) => void save({ allowSelfApproval: e.currentTarget.checked })}
              label="Allow a manager to approve their own close request (recorded as a self-approval with a note)"
            />
            <Group align="flex-end">
              <NumberInput
                label="Default amount tolerance (₹)"
                defaultValue={s.reconciliationDefaults.amountTolerance}
                min={0}
                max={10000}
                w={220}
                onBlur={(e) => {
                  const v = e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value.replace(/[^\d.]/g, ''));
                  if (v !== s.reconciliationDefaults.amountTolerance && v !== undefined) void save({ reconciliationDefaults: { ...s.reconciliationDefaults, amountTolerance: v } });
                }}
              />
              <NumberInput
                label="Default date window (days)"
                defaultValue={s.reconciliationDefaults.dateWindowDays}
                min={0}
                max={366}
                w={220}
                onBlur={(e) => {
                  const v = e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value);
                  if (v !== s.reconciliationDefaults.dateWindowDays && v !== undefined) void save({ reconciliationDefaults: { ...s.reconciliationDefaults, dateWindowDays: v } });
                }}
              />
            </Group>
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}

function Users() {
  const user = useUser();
  const reauth = useReauth();
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api.get<Page<ListedUser>>('/api/users?limit=500') });
  const [creating, { open, close }] = useDisclosure(false);
  const admin = CAN.manageUsers(user.role);
  const patch = (id: string, body: Partial<Pick<FirmUser, 'role' | 'active'>>) =>
    reauth(() => api.patch(`/api/users/${id}`, body))
      .then(() => queryClient.invalidateQueries({ queryKey: ['users'] }))
      .then(() => notifyDone('Saved.'))
      .catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'reauth_cancelled')) notifyError(e);
      });
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Users
        </Title>
        {admin ? <Button onClick={open}>New user</Button> : null}
      </Group>
      <QueryState query={users} label="users" isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <Table.ScrollContainer minWidth={760}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Two-factor</Table.Th>
                  <Table.Th>Last sign-in</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.items.map((u) => (
                  <Table.Tr key={u.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {u.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {u.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {admin && u.id !== user.id ? (
                        <Select size="xs" w={150} aria-label={`Role of ${u.name}`} data={ROLE_OPTIONS} value={u.role} allowDeselect={false} onChange={(v) => v && v !== u.role && void patch(u.id, { role: v as Role })} />
                      ) : (
                        ROLE_LABEL[u.role]
                      )}
                    </Table.Td>
                    <Table.Td>{u.totpEnabled ? <Badge color="green" variant="light">on</Badge> : <Badge color="gray" variant="light">off</Badge>}</Table.Td>
                    <Table.Td>{formatDateTime(u.lastLoginAt)}</Table.Td>
                    <Table.Td>
                      {admin && u.id !== user.id ? (
                        <Group gap="xs" wrap="nowrap">
                          <Switch size="sm" checked={u.active} onChange={(e) => void patch(u.id, { active: e.currentTarget.checked })} label={u.active ? 'Active' : 'Deactivated'} />
                          {/* Only where an unlock applies: sign-ins held after wrong passwords. */}
                          {u.lockedUntil ? <UnlockButton userId={u.id} name={u.name} lockedUntil={u.lockedUntil} onDone={() => void queryClient.invalidateQueries({ queryKey: ['users'] })} /> : null}
                          {maySendReset(u, user) ? <ResetLinkButton user={u} /> : null}
                        </Group>
                      ) : (
                        <>
                          {u.active ? 'Active' : 'Deactivated'}
                          {u.lockedUntil ? (
                            <Text size="xs" c="dimmed">
                              Sign-ins paused until {formatDateTime(u.lockedUntil)}
                            </Text>
                          ) : null}
                        </>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Modal opened={creating} onClose={close} title="New user">
        <PersonForm
          roles={ROLES}
          withPassword
          submitLabel="Create user"
          // Creating a user grants power: the API wants a recent re-authentication.
          onSubmit={(body) => reauth(() => api.post('/api/users', body)).then(() => notifyDone(`${body.name} can now sign in.`))}
          onDone={() => {
            close();
            void queryClient.invalidateQueries({ queryKey: ['users'] });
          }}
        />
      </Modal>
    </Card>
  );
}

export default function SettingsPage() {
  const user = useUser();
  const { links } = useSession();
  return (
    <>
      <PageHeader
        title="Firm & users"
        subtitle={
          links.adminConsole ? (
            <>
              People, clients, signed-in devices and the audit trail are also in the{' '}
              <Anchor href={links.adminConsole} underline="always">
                admin console
              </Anchor>
              ; the SMTP and GSP settings are here.
            </>
          ) : undefined
        }
      />
      <Stack>
        {CAN.firmSettings(user.role) ? <FirmSettingsCard /> : null}
        {CAN.firmSettings(user.role) ? <SmtpSettingsCard /> : null}
        {CAN.firmSettings(user.role) ? <GspSettingsCard /> : null}
        {CAN.firmSettings(user.role) ? <RetentionSettingsCard /> : null}
        <Users />
        <Invitations />
      </Stack>
    </>
  );
}
