/**
 * Notices, most urgent first as the API ranks them, with the days left to each effective due date;
 * a page at a time, "Load more" following the API's `nextCursor` (no notice is left out).
 */
import { Alert, Anchor, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useClients, useNotices } from '../http/queries';
import { CAN, useUser } from '../http/session';
import { daysUntil, formatCount, formatDate, formatDaysLeft, formatRupees } from '../lib/format';
import { NoticeStateBadge } from './badges';
import { errorText, QueryState } from './QueryState';

export const FLAG_LABEL: Record<string, string> = {
  blocks_return: 'Blocks a return',
  registration_at_stake: 'Registration at stake',
  no_due_date: 'No due date',
  outside_limitation: 'Outside limitation',
};

export function DaysLeft({ date, done }: { date: string | null; done?: boolean }) {
  if (!date) return <Badge color="red" variant="light">no date</Badge>;
  const days = daysUntil(date);
  // Urgency by weight, and red once passed (red.9 keeps AA contrast on white; orange and yellow do not).
  return (
    <Text size="sm" c={!done && days < 0 ? 'red.9' : undefined} fw={!done && days <= 3 ? 700 : !done && days <= 7 ? 600 : undefined}>
      {formatDaysLeft(days)}
    </Text>
  );
}

export function NoticeList({ clientId, state }: { clientId?: string; state?: string }) {
  const notices = useNotices({ clientId, state });
  // Our target date is the firm's own deadline: a client's users have none (the API sends it empty).
  const firm = CAN.isFirmStaff(useUser().role);
  const clients = useClients();
  const clientName = (id: string) => clients.data?.find((c) => c.id === id)?.name ?? '…';
  // A page that failed to load after the first is shown under the list, not instead of it.
  const query = { ...notices, isError: notices.isError && !notices.isFetchNextPageError, data: notices.data ? { items: notices.data.pages.flatMap((p) => p.items) } : undefined };
  return (
    <QueryState query={query} label="notices" isEmpty={(d) => d.items.length === 0} empty={state ? 'No notice in this state.' : 'No open notice. “Take in a notice” records one with its dates.'}>
      {(d) => (
        <Stack gap="sm">
        <Table.ScrollContainer minWidth={960}>
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Notice</Table.Th>
                {clientId ? null : <Table.Th>Client</Table.Th>}
                <Table.Th>Due</Table.Th>
                <Table.Th>Left</Table.Th>
                {firm ? <Table.Th>Our target</Table.Th> : null}
                <Table.Th className="num">Demand</Table.Th>
                <Table.Th>State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.items.map((n) => (
                <Table.Tr key={n.id} data-testid="notice-row">
                  <Table.Td>
                    <Anchor component={Link} to={`/notices/${n.id}`} size="sm" fw={500}>
                      {n.form} · {n.reference}
                    </Anchor>
                    <Group gap={4}>
                      {n.flags.map((f) => (
                        <Badge key={f} size="xs" color={f === 'no_due_date' ? 'red' : 'orange'} variant="light">
                          {FLAG_LABEL[f] ?? f}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  {clientId ? null : (
                    <Table.Td>
                      <Anchor component={Link} to={`/clients/${n.clientId}`} size="sm">
                        {clientName(n.clientId)}
                      </Anchor>
                    </Table.Td>
                  )}
                  <Table.Td className="nowrap">{formatDate(n.effectiveDueDate)}</Table.Td>
                  <Table.Td className="nowrap">
                    <DaysLeft date={n.effectiveDueDate} done={n.state === 'filed' || n.state === 'closed'} />
                  </Table.Td>
                  {firm ? <Table.Td className="nowrap">{formatDate(n.targetDate)}</Table.Td> : null}
                  <Table.Td className="num">{formatRupees(n.amounts.total)}</Table.Td>
                  <Table.Td className="nowrap">
                    <NoticeStateBadge state={n.state} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group gap="sm">
          <Text size="sm" c="dimmed" role="status" data-testid="notice-count">
            {notices.hasNextPage ? `The first ${formatCount(d.items.length)} notices, most urgent first.` : `${formatCount(d.items.length)} ${d.items.length === 1 ? 'notice' : 'notices'}.`}
          </Text>
          {notices.hasNextPage ? (
            <Button variant="light" size="xs" loading={notices.isFetchingNextPage} onClick={() => void notices.fetchNextPage()}>
              Load more
            </Button>
          ) : null}
        </Group>
        {notices.isFetchNextPageError ? (
          <Alert color="red" title="Could not load more notices" role="alert">
            {errorText(notices.error)}
          </Alert>
        ) : null}
        </Stack>
      )}
    </QueryState>
  );
}
