/**
 * Home's periods: those waiting for a decision on a close, and those still open (or reopened) with
 * the step each needs next, across the firm's clients (GET /api/periods; a client user: their own).
 */
import { Anchor, Badge, Card, Group, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useFirmPeriods } from '../http/queries';
import type { FirmPeriod, PeriodState } from '../http/types';
import { nextStep } from '../lib/close-window';
import { formatDateTime } from '../lib/format';
import { PeriodBadge } from './badges';
import { QueryState } from './QueryState';

const WAITING: PeriodState[] = ['close_requested'];
const OPEN: PeriodState[] = ['open', 'reopened'];

function PeriodLink({ p }: { p: FirmPeriod }) {
  return (
    <Anchor component={Link} to={`/clients/${p.clientId}/periods/${p.period}`} size="sm">
      {p.clientName} · {p.periodLabel}
    </Anchor>
  );
}

function Section({ title, states, empty, children }: { title: string; states: PeriodState[]; empty: string; children: (p: FirmPeriod) => ReactNode }) {
  const periods = useFirmPeriods(states);
  return (
    <>
      <Group justify="space-between" mt="sm" mb={4}>
        <Title order={4} size="h5">
          {title}
        </Title>
        {periods.data ? <Badge color={periods.data.items.length ? 'orange' : 'gray'}>{periods.data.nextCursor ? `${periods.data.items.length}+` : periods.data.items.length}</Badge> : null}
      </Group>
      <QueryState query={periods} label={title.toLowerCase()} isEmpty={(d) => d.items.length === 0} empty={empty}>
        {(d) => (
          <Table aria-label={title}>
            <Table.Tbody>
              {d.items.map((p) => (
                <Table.Tr key={`${p.clientId}:${p.period}`} data-testid="home-period">
                  <Table.Td>
                    <PeriodLink p={p} />
                  </Table.Td>
                  <Table.Td>{children(p)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </>
  );
}

/**
 * `approver`: the viewer decides closes, and Home's approvals panel above already lists the closes
 * waiting (their own in the inbox it links to), so this panel does not list them a second time.
 */
export function HomePeriods({ preparer, approver = false }: { preparer: boolean; approver?: boolean }) {
  return (
    <Card withBorder>
      <Title order={3} size="h4">
        Periods
      </Title>
      {approver ? null : (
        <Section title="Waiting for a decision" states={WAITING} empty="No close is waiting for a decision.">
          {(p) => (
            <Text size="xs" c="dimmed">
              {p.closeRequest?.requestedBy ? `asked by ${p.closeRequest.requestedBy.email} · ` : 'asked '}
              {formatDateTime(p.closeRequest?.requestedAt)}
            </Text>
          )}
        </Section>
      )}
      <Section title="Open" states={OPEN} empty="No open period: a period opens with its first upload.">
        {(p) => (
          <Group gap="xs" wrap="nowrap">
            {p.state === 'reopened' ? <PeriodBadge state={p.state} /> : null}
            <Text size="xs" c="dimmed">
              {nextStep(p, preparer)}
            </Text>
          </Group>
        )}
      </Section>
    </Card>
  );
}
