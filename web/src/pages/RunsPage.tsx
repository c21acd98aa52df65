/** Every reconciliation of the firm, newest first, filterable by status. */
import { Card, Group, SegmentedControl } from '@mantine/core';
import { useState } from 'react';
import { useRuns } from '../http/queries';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { RunsTable } from '../components/RunsTable';

export default function RunsPage() {
  const [status, setStatus] = useState('all');
  const [mine, setMine] = useState('all');
  const runs = useRuns({ status: status === 'all' ? undefined : status, mine: mine === 'mine' ? 'true' : undefined, limit: '200' });
  return (
    <>
      <PageHeader title="Reconciliations" />
      <Card withBorder>
        <Group mb="sm">
          <SegmentedControl
            aria-label="Status"
            value={status}
            onChange={setStatus}
            data={[
              { value: 'all', label: 'All' },
              { value: 'running', label: 'Running' },
              { value: 'completed', label: 'Completed' },
              { value: 'failed', label: 'Failed' },
            ]}
          />
          <SegmentedControl
            aria-label="Started by"
            value={mine}
            onChange={setMine}
            data={[
              { value: 'all', label: 'Everyone' },
              { value: 'mine', label: 'Mine' },
            ]}
          />
        </Group>
        <QueryState query={runs} label="reconciliations" isEmpty={(d) => d.items.length === 0} empty="No reconciliation matches.">
          {(d) => <RunsTable runs={d.items} />}
        </QueryState>
      </Card>
    </>
  );
}
