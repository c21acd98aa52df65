/**
 * Invitations on the users page: invite someone by email (firm admins any role; managers staff,
 * reviewers and portal users), and the pending invitations with resend and revoke. The invitee
 * chooses their own password through the emailed link (72 hours, single use).
 */
import { Button, Card, Group, Modal, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError } from '../http/client';
import { useClients } from '../http/queries';
import { useUser } from '../http/session';
import type { Page, Role } from '../http/types';
import { formatDateTime } from '../lib/format';
import { notifyDone, notifyError } from '../lib/notify';
import { errorText, QueryState } from './QueryState';
import { ROLE_LABEL } from './Shell';

type PendingInvitation = { id: string; email: string; name: string; role: Role; expiresAt: string; lastSentAt: string | null };

const MANAGER_ROLES: Role[] = ['staff', 'reviewer', 'client'];

function rolesFor(role: Role): Role[] {
  return role === 'firm_admin' ? (Object.keys(ROLE_LABEL) as Role[]) : MANAGER_ROLES;
}

function InviteForm({ onDone }: { onDone: () => void }) {
  const user = useUser();
  const clients = useClients();
  const [form, setForm] = useState({ name: '', email: '', role: 'staff' as Role, clientId: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        api
          .post('/api/invitations', { name: form.name, email: form.email, role: form.role, clientId: form.role === 'client' ? form.clientId : undefined })
          .then(() => {
            notifyDone(`Invitation sent to ${form.email}.`);
            onDone();
          })
          .catch((err: unknown) => {
            if (err instanceof ApiError) setFieldErrors((err.details.fields as Record<string, string>) ?? {});
            setError(errorText(err));
          })
          .finally(() => setBusy(false));
      }}
    >
      <Stack>
        <TextInput label="Name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fieldErrors.name} data-autofocus />
        <TextInput label="Email" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} error={fieldErrors.email} />
        <Select label="Role" data={rolesFor(user.role).map((r) => ({ value: r, label: ROLE_LABEL[r] }))} value={form.role} onChange={(v) => v && setForm({ ...form, role: v as Role })} allowDeselect={false} />
        {form.role === 'client' ? (
          <Select
            label="Client (the portal user sees only this client)"
            required
            searchable
            data={(clients.data ?? []).map((c) => ({ value: c.id, label: `${c.name} · ${c.gstin}` }))}
            value={form.clientId || null}
            onChange={(v) => setForm({ ...form, clientId: v ?? '' })}
            error={fieldErrors.clientId}
          />
        ) : null}
        <Text size="xs" c="dimmed">
          They get an email with a link to choose their own password. It works once, for 72 hours.
        </Text>
        {error ? (
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        ) : null}
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            Send invitation
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function Invitations() {
  const user = useUser();
  const queryClient = useQueryClient();
  const invitations = useQuery({ queryKey: ['invitations'], queryFn: () => api.get<Page<PendingInvitation>>('/api/invitations?limit=500') });
  const [inviting, { open, close }] = useDisclosure(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['invitations'] });
  const act = (promise: Promise<unknown>, done: string) =>
    promise
      .then(refresh)
      .then(() => notifyDone(done))
      .catch((e: unknown) => notifyError(e));
  const mine = (role: Role) => rolesFor(user.role).includes(role);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Invitations
        </Title>
        <Button onClick={open}>Invite someone</Button>
      </Group>
      <QueryState query={invitations} label="invitations" isEmpty={(d) => d.items.length === 0} empty="No pending invitations.">
        {(d) => (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Link valid until</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.items.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {i.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {i.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>{ROLE_LABEL[i.role]}</Table.Td>
                    <Table.Td>{formatDateTime(i.expiresAt)}</Table.Td>
                    <Table.Td>
                      {mine(i.role) ? (
                        <Group gap="xs" justify="flex-end">
                          <Button size="xs" variant="light" onClick={() => void act(api.post(`/api/invitations/${i.id}/resend`), `A new link is on its way to ${i.email}.`)} aria-label={`Resend the invitation to ${i.email}`}>
                            Resend
                          </Button>
                          <Button size="xs" variant="light" color="red" onClick={() => void act(api.del(`/api/invitations/${i.id}`), `The invitation to ${i.email} is revoked.`)} aria-label={`Revoke the invitation to ${i.email}`}>
                            Revoke
                          </Button>
                        </Group>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Modal opened={inviting} onClose={close} title="Invite someone">
        <InviteForm
          onDone={() => {
            close();
            void refresh();
          }}
        />
      </Modal>
    </Card>
  );
}

/** A firm admin ends a user's sign-in lockout (after repeated wrong passwords). */
export function UnlockButton({ userId, name }: { userId: string; name: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      size="xs"
      variant="subtle"
      loading={busy}
      aria-label={`Unlock sign-in for ${name}`}
      onClick={() => {
        setBusy(true);
        api
          .post(`/api/users/${userId}/unlock`)
          .then(() => notifyDone(`${name} can sign in again.`))
          .catch((e: unknown) => notifyError(e))
          .finally(() => setBusy(false));
      }}
    >
      Unlock
    </Button>
  );
}
