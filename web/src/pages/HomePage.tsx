/** What needs me today: approvals (managers), periods open or waiting for a decision, my runs and their progress, recent notifications. */
import { Anchor, Badge, Card, Grid, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useApprovals, useNotifications, useRuns } from '../http/queries';
import { CAN, useUser } from '../http/session';
import type { ApprovalItem } from '../http/types';
import { HomePeriods } from '../components/HomePeriods';
import { NotificationList } from '../components/NotificationList';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { RunsTable } from '../components/RunsTable';
import { formatDateTime, formatPeriod } from '../lib/format';

/** What the viewer may decide: their own requests wait in the inbox for someone else. */
const forMe = (items: ApprovalItem[]) => items.filter((a) => a.canDecide);

function Approvals() {
  const approvals = useApprovals();
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Waiting for your approval
        </Title>
        {approvals.data ? <Badge color={forMe(approvals.data.items).length ? 'orange' : 'gray'}>{forMe(approvals.data.items).length}</Badge> : null}
      </Group>
      <QueryState query={approvals} label="approvals" isEmpty={(d) => forMe(d.items).length === 0} empty="Nothing is waiting for you.">
        {(d) => (
          <Table>
            <Table.Tbody>
              {forMe(d.items)
                .slice(0, 6)
                .map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Anchor component={Link} to={a.kind === 'period_close' ? `/clients/${a.clientId}/periods/${a.period}` : `/notices/${a.id}`} size="sm">
                      {a.clientName} · {a.kind === 'period_close' ? `close of ${formatPeriod(a.period)}` : a.summary}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">
                      {a.requestedBy.email} · {formatDateTime(a.requestedAt)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <Anchor component={Link} to="/approvals" size="sm" mt="sm">
        Open the approvals inbox
      </Anchor>
    </Card>
  );
}

export default function HomePage() {
  const user = useUser();
  const preparer = CAN.prepare(user.role);
  const runs = useRuns(preparer ? { mine: 'true', limit: '8' } : { limit: '8' });
  const notifications = useNotifications(5);
  return (
    <>
      <PageHeader title={`Good to see you, ${user.name.split(' ')[0] ?? user.name}`} subtitle="What needs you today" />
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack>
            {CAN.approve(user.role) ? <Approvals /> : null}
            <HomePeriods preparer={preparer} approver={CAN.approve(user.role)} />
            <Card withBorder>
              <Title order={3} size="h4" mb="sm">
                {preparer ? 'My reconciliations' : 'Latest reconciliations'}
              </Title>
              <QueryState query={runs} label="reconciliations" isEmpty={(d) => d.items.length === 0} empty={preparer ? 'You have not started a reconciliation yet: open a client and upload its register and GSTR-2B.' : 'No reconciliation yet.'}>
                {(d) => <RunsTable runs={d.items} showClient={CAN.isFirmStaff(user.role)} />}
              </QueryState>
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder>
            <Title order={3} size="h4" mb="sm">
              Notifications
            </Title>
            <QueryState query={notifications} label="notifications" isEmpty={(d) => d.items.length === 0} empty="No notifications.">
              {(d) => <NotificationList items={d.items} />}
            </QueryState>
            <Anchor component={Link} to="/notifications" size="sm" mt="sm" display="block">
              All notifications
            </Anchor>
          </Card>
        </Grid.Col>
      </Grid>
    </>
  );
}
