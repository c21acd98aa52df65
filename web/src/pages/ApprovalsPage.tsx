/** The approvals inbox: close requests and notice replies waiting for a manager, oldest first. */
import { Anchor, Badge, Button, Card, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { keys, useApprovals } from '../http/queries';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { formatDateTime, formatPeriod } from '../lib/format';
import { DecideButtons, EvidenceView } from './PeriodPage';

/** In place of the decision buttons on the caller's own request. */
function ForSomeoneElse({ what }: { what: string }) {
  return (
    <Text size="sm" c="dimmed" data-testid="waiting-for-someone-else">
      You {what}: another manager or firm admin decides it.
    </Text>
  );
}

export default function ApprovalsPage() {
  const approvals = useApprovals();
  const queryClient = useQueryClient();
  const refresh = async () => {
    await Promise.all([queryClient.invalidateQueries({ queryKey: keys.approvals }), queryClient.invalidateQueries({ queryKey: keys.firmPeriods })]);
  };
  return (
    <>
      <PageHeader title="Approvals" subtitle="Period closes and notice replies waiting for a decision. What you asked for or drafted yourself is listed too, for someone else to decide." />
      <Card withBorder>
        <QueryState query={approvals} label="approvals" isEmpty={(d) => d.items.length === 0} empty="Nothing is waiting for your approval.">
          {(d) => (
            <Table.ScrollContainer minWidth={900}>
              <Table verticalSpacing="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>What</Table.Th>
                    <Table.Th>Requested</Table.Th>
                    <Table.Th>Evidence</Table.Th>
                    <Table.Th>Decision</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((a) =>
                    a.kind === 'period_close' ? (
                      <Table.Tr key={a.id} data-testid="approval-row">
                        <Table.Td>
                          <Badge variant="light" size="sm" mb={4}>
                            Period close
                          </Badge>
                          <br />
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
                        <Table.Td>{a.canDecide ? <DecideButtons request={a} onDone={refresh} /> : <ForSomeoneElse what="asked for this close" />}</Table.Td>
                      </Table.Tr>
                    ) : (
                      <Table.Tr key={a.id} data-testid="approval-row">
                        <Table.Td>
                          <Badge variant="light" color="grape" size="sm" mb={4}>
                            Notice reply
                          </Badge>
                          <br />
                          <Anchor component={Link} to={`/clients/${a.clientId}`} fw={500} size="sm">
                            {a.clientName}
                          </Anchor>
                          <Text size="sm">{a.summary}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{a.requestedBy.email}</Text>
                          <Text size="xs" c="dimmed">
                            {formatDateTime(a.requestedAt)}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" c="dimmed">
                            The draft, the notice's dates and the amounts are on the notice.
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          {a.canDecide ? (
                            <Button component={Link} to={`/notices/${a.id}`} variant="light">
                              Review the reply
                            </Button>
                          ) : (
                            <ForSomeoneElse what="drafted or submitted this reply" />
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ),
                  )}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </QueryState>
      </Card>
    </>
  );
}
