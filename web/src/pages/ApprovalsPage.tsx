/** The approvals inbox: every close request waiting for a manager, oldest first. */
import { Anchor, Card, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { keys, useApprovals } from '../http/queries';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { formatDateTime, formatPeriod } from '../lib/format';
import { DecideButtons, EvidenceView } from './PeriodPage';

export default function ApprovalsPage() {
  const approvals = useApprovals();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.approvals });
  return (
    <>
      <PageHeader title="Approvals" subtitle="Period closes waiting for your decision. Requests you made yourself are for someone else to decide." />
      <Card withBorder>
        <QueryState query={approvals} label="approvals" isEmpty={(d) => d.items.length === 0} empty="Nothing is waiting for your approval.">
          {(d) => (
            <Table.ScrollContainer minWidth={900}>
              <Table verticalSpacing="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Client and period</Table.Th>
                    <Table.Th>Requested</Table.Th>
                    <Table.Th>Evidence</Table.Th>
                    <Table.Th>Decision</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((a) => (
                    <Table.Tr key={a.id} data-testid="approval-row">
                      <Table.Td>
                        <Anchor component={Link} to={`/clients/${a.clientId}/periods/${a.period}`} fw={500} size="sm">
                          {a.clientName}
                        </Anchor>
                        <Text size="sm">{formatPeriod(a.period)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{a.requestedBy.email}</Text>
                        <Text size="xs" c="dimmed">
                          {formatDateTime(a.requestedAt)}
                        </Text>
                        {a.note ? <Text size="xs">“{a.note}”</Text> : null}
                      </Table.Td>
                      <Table.Td>
                        <EvidenceView request={a} />
                      </Table.Td>
                      <Table.Td>
                        <DecideButtons request={a} onDone={refresh} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </QueryState>
      </Card>
    </>
  );
}
