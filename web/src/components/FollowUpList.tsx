/** Follow-ups as a table (firm-wide or one client's), soonest next message first as the API orders them. */
import { Anchor, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useClients, useFollowUps } from '../http/queries';
import { formatDate, formatDateTime } from '../lib/format';
import { FollowUpBadge } from './badges';
import { QueryState } from './QueryState';

export function FollowUpList({ clientId, status }: { clientId?: string; status?: string }) {
  const followUps = useFollowUps({ clientId, status });
  const clients = useClients();
  const clientName = (id: string) => clients.data?.find((c) => c.id === id)?.name ?? '…';
  return (
    <QueryState query={followUps} label="follow-ups" isEmpty={(d) => d.items.length === 0} empty="No follow-up here yet: “New follow-up” asks a client for documents and chases them by email.">
      {(d) => (
        <Table.ScrollContainer minWidth={720}>
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Follow-up</Table.Th>
                {clientId ? null : <Table.Th>Client</Table.Th>}
                <Table.Th>Due</Table.Th>
                <Table.Th>Next message</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.items.map((f) => (
                <Table.Tr key={f.id} data-testid="follow-up-row">
                  <Table.Td>
                    <Anchor component={Link} to={`/follow-ups/${f.id}`} size="sm" fw={500}>
                      {f.title}
                    </Anchor>
                    {f.deadline ? (
                      <Text size="xs" c="dimmed">
                        for {f.deadline.returnType} {f.periodLabel ?? f.deadline.period}
                      </Text>
                    ) : null}
                  </Table.Td>
                  {clientId ? null : (
                    <Table.Td>
                      <Anchor component={Link} to={`/clients/${f.clientId}`} size="sm">
                        {clientName(f.clientId)}
                      </Anchor>
                    </Table.Td>
                  )}
                  <Table.Td>{formatDate(f.dueDate)}</Table.Td>
                  <Table.Td>{f.status === 'snoozed' ? `snoozed until ${formatDateTime(f.snoozedUntil)}` : formatDateTime(f.nextMessageAt)}</Table.Td>
                  <Table.Td>
                    <FollowUpBadge status={f.status} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </QueryState>
  );
}
