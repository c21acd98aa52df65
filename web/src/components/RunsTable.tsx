/**
 * A list of reconciliation runs with live progress (used on Home, a client's page and Reconciliations).
 * Each run's period is the server's `periodLabel`, as the periods list names it: a quarterly filer's
 * quarter-end month reads as its quarter, never as the month alone.
 */
import { Anchor, Progress, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { RunListItem } from '../http/queries';
import { formatDateTime, formatRupees, periodText } from '../lib/format';
import { RunBadge } from './badges';

export function RunsTable({ runs, showClient = true }: { runs: RunListItem[]; showClient?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            {showClient ? <Table.Th>Client</Table.Th> : null}
            <Table.Th>Period</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th className="num">ITC at risk</Table.Th>
            <Table.Th>Started</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => {
            const pct = r.progress.total ? Math.round((r.progress.done / r.progress.total) * 100) : 0;
            return (
              <Table.Tr key={r.runId}>
                {showClient ? (
                  <Table.Td>
                    <Anchor component={Link} to={`/reconciliations/${r.runId}`} size="sm">
                      {r.clientName}
                    </Anchor>
                  </Table.Td>
                ) : null}
                <Table.Td>
                  <Anchor component={Link} to={`/reconciliations/${r.runId}`} size="sm">
                    {periodText(r)}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <RunBadge status={r.status} />
                  {r.status === 'running' ? <Progress value={pct} size="sm" mt={4} aria-label={`Progress ${pct}%`} /> : null}
                </Table.Td>
                <Table.Td className="num">{r.summary ? formatRupees(r.summary.itcAtRisk) : <Text span c="dimmed">—</Text>}</Table.Td>
                <Table.Td>{formatDateTime(r.createdAt)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
