/**
 * The firm-wide view of a period: every client's latest reconciliation with its ITC at risk,
 * largest first (GET /api/reconciliations?period=), the practice's total at risk, and the
 * clients with no reconciliation for the period yet. A quarterly filer's month inside a quarter is no
 * period of its own (the API's `inQuarter`): such a client is listed apart, with its quarter, never as
 * not reconciled for a month it never reconciles.
 */
import { Anchor, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useClients, useRuns } from '../http/queries';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { RunBadge } from '../components/badges';
import { amountTone } from '../lib/amount-tone';
import { formatCount, formatDateTime, formatPeriod, formatRupees, previousPeriod } from '../lib/format';

export default function FirmViewPage() {
  const [period, setPeriod] = useState(previousPeriod());
  const valid = /^\d{4}-(0[1-9]|1[0-2])$/.test(period);
  const runs = useRuns({ period: valid ? period : undefined, limit: '500' });
  const clients = useClients();
  const items = valid ? (runs.data?.items ?? []) : [];
  const atRisk = items.reduce((sum, r) => sum + (r.itcAtRisk ?? 0), 0);
  const reconciled = new Set(items.map((r) => r.clientId));
  const inQuarter = valid ? (runs.data?.inQuarter ?? []) : [];
  const quarterly = new Set(inQuarter.map((c) => c.clientId));
  const notYet = (clients.data ?? []).filter((c) => !reconciled.has(c.id) && !quarterly.has(c.id));
  return (
    <>
      <PageHeader title="Firm-wide view" />
      <Stack>
        <Card withBorder>
          <Group align="flex-end" justify="space-between">
            <TextInput label="Period" type="month" value={period} onChange={(e) => setPeriod(e.currentTarget.value)} error={valid ? null : 'Choose a month'} />
            <Stack gap={0} align="flex-end">
              <Text size="sm" c="dimmed">
                ITC at risk, {formatPeriod(period)}, {formatCount(reconciled.size)} clients
              </Text>
              <Text fw={700} size="xl" c={amountTone(atRisk, 'red.8')} aria-label="Total ITC at risk">
                {formatRupees(atRisk)}
              </Text>
            </Stack>
          </Group>
        </Card>
        <Card withBorder>
          <QueryState query={runs} label="reconciliations" isEmpty={() => items.length === 0} empty={`No reconciliation for ${formatPeriod(period)} yet.`}>
            {() => (
              <Table.ScrollContainer minWidth={640}>
                <Table highlightOnHover aria-label="Latest reconciliation of each client">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Client</Table.Th>
                      <Table.Th>GSTIN</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th className="num">ITC at risk</Table.Th>
                      <Table.Th className="num">ITC as per 2B</Table.Th>
                      <Table.Th>Completed</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items.map((r) => (
                      <Table.Tr key={r.runId}>
                        <Table.Td>
                          <Anchor component={Link} to={`/reconciliations/${r.runId}`} size="sm">
                            {r.clientName}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{r.clientGstin ?? ''}</Table.Td>
                        <Table.Td>
                          <RunBadge status={r.status} />
                        </Table.Td>
                        <Table.Td className="num">{formatRupees(r.itcAtRisk)}</Table.Td>
                        <Table.Td className="num">{formatRupees(r.summary?.itcAvailable)}</Table.Td>
                        <Table.Td>{r.completedAt ? formatDateTime(r.completedAt) : '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </QueryState>
        </Card>
        {notYet.length ? (
          <Card withBorder>
            <Title order={4} mb="xs">
              Not reconciled for {formatPeriod(period)}
            </Title>
            <Group gap="md">
              {notYet.map((c) => (
                <Anchor key={c.id} component={Link} to={`/clients/${c.id}`} size="sm">
                  {c.name}
                </Anchor>
              ))}
            </Group>
          </Card>
        ) : null}
        {inQuarter.length ? (
          <Card withBorder>
            <Title order={4} mb="xs">
              Filing quarterly: reconciled for {formatPeriod(inQuarter[0]!.quarterEnd)}, the quarter&apos;s last month
            </Title>
            <Group gap="md">
              {inQuarter.map((c) => (
                <Anchor key={c.clientId} component={Link} to={`/clients/${c.clientId}/periods/${c.quarterEnd}`} size="sm">
                  {c.clientName}
                </Anchor>
              ))}
            </Group>
          </Card>
        ) : null}
      </Stack>
    </>
  );
}
