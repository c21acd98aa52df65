/**
 * Invitations on the users page: invite someone by email (firm admins any role; managers staff,
 * reviewers and portal users), and the pending invitations with resend and revoke. The invitee
 * chooses their own password through the emailed link (72 hours, single use).
 */
import { Badge, Button, Card, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../http/client';
import { useUser } from '../http/session';
import type { Page, Role } from '../http/types';
import { deliveryPollInterval } from '../lib/delivery-poll';
import { formatDateTime } from '../lib/format';
import { notifyDone, notifyError } from '../lib/notify';
import { ROLE_LABEL, rolesFor } from '../lib/roles';
import { PersonForm } from './PersonForm';
import { QueryState } from './QueryState';

/** The latest send's email as the API lists it (docs/api.md): null while it waits to be prepared. */
type Delivery = { status: 'sending' | 'sent' | 'retrying' | 'failed' | 'skipped'; error: string | null; at: string } | null;
type PendingInvitation = { id: string; email: string; name: string; role: Role; expiresAt: string; lastSentAt: string | null; createdAt: string; delivery: Delivery };

const DELIVERY: Record<NonNullable<Delivery>['status'], { label: string; color: string; note: string }> = {
  sending: { label: 'Sending', color: 'blue', note: 'being handed to the mail server' },
  sent: { label: 'Sent', color: 'green', note: 'accepted by the mail server' },
  retrying: { label: 'Retrying', color: 'orange', note: 'the mail server failed in passing; it is tried again on its own' },
  failed: { label: 'Failed', color: 'red', note: 'not delivered: check the firm\'s SMTP settings, then resend' },
  skipped: { label: 'Not sent', color: 'gray', note: 'no longer due' },
};

/** The email's state in words an admin acts on: what happened, when, and the mail server's reason. */
function DeliveryState({ delivery }: { delivery: Delivery }) {
  if (!delivery) {
    return (
      <Badge color="gray" variant="light" title="waiting to be sent">
        Queued
      </Badge>
    );
  }
  const shown = DELIVERY[delivery.status] ?? { label: delivery.status, color: 'gray', note: '' };
  return (
    <Stack gap={2}>
      <Group gap="xs">
        <Badge color={shown.color} variant="light" title={shown.note}>
          {shown.label}
        </Badge>
        <Text size="xs" c="dimmed">
          {formatDateTime(delivery.at)}
        </Text>
      </Group>
      {delivery.status === 'failed' || delivery.status === 'retrying' ? (
        <Text size="xs" c={delivery.status === 'failed' ? 'red' : 'dimmed'}>
          {shown.note}
          {delivery.error ? ` (${delivery.error})` : ''}
        </Text>
      ) : null}
    </Stack>
  );
}

export function Invitations() {
  const user = useUser();
  const queryClient = useQueryClient();
  const invitations = useQuery({
    queryKey: ['invitations'],
    queryFn: () => api.get<Page<PendingInvitation>>('/api/invitations?limit=500'),
    // While an email is on its way its state changes on its own: follow it until it settles (lib/delivery-poll.ts).
    refetchInterval: (q) => deliveryPollInterval(q.state.data?.items, Date.now()),
  });
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
          <Table.ScrollContainer minWidth={760}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Email</Table.Th>
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
                    <Table.Td data-testid={`delivery-${i.email}`}>
                      <DeliveryState delivery={i.delivery} />
                    </Table.Td>
                    <Table.Td>{formatDateTime(i.expiresAt)}</Table.Td>
                    <Table.Td>
                      {mine(i.role) ? (
                        <Group gap="xs" justify="flex-end">
                          <Button size="xs" variant={i.delivery?.status === 'failed' ? 'filled' : 'light'} onClick={() => void act(api.post(`/api/invitations/${i.id}/resend`), `A new link is on its way to ${i.email}.`)} aria-label={`Resend the invitation to ${i.email}`}>
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
        <PersonForm
          roles={rolesFor(user.role)}
          submitLabel="Send invitation"
          note="They get an email with a link to choose their own password. It works once, for 72 hours."
          onSubmit={(body) => api.post('/api/invitations', body).then(() => notifyDone(`Invitation sent to ${body.email}.`))}
          onDone={() => {
            close();
            void refresh();
          }}
        />
      </Modal>
    </Card>
  );
}

/**
 * A firm admin ends a user's sign-in lockout (after repeated wrong passwords): shown only while one
 * holds (the users list's `lockedUntil`), with when it would end by itself.
 */
export function UnlockButton({ userId, name, lockedUntil, onDone }: { userId: string; name: string; lockedUntil: string; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      title={`Sign-ins paused after wrong passwords, until ${formatDateTime(lockedUntil)}`}
      size="xs"
      variant="subtle"
      loading={busy}
      aria-label={`Unlock sign-in for ${name}`}
      onClick={() => {
        setBusy(true);
        api
          .post(`/api/users/${userId}/unlock`)
          .then(() => {
            notifyDone(`${name} can sign in again.`);
            onDone();
          })
          .catch((e: unknown) => notifyError(e))
          .finally(() => setBusy(false));
      }}
    >
      Unlock
    </Button>
  );
}
