/**
 * A reconciliation: progress while it runs; then the summary, the invoice table (filters, manual
 * actions, linking two rows) and the supplier view sorted by ITC at risk, with exports and
 * "Chase supplier invoices" (a follow-up to the client for the ticked suppliers).
 */
import { Alert, Button, Card, Group, Progress, Stack, Tabs, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { keys, useClient } from '../http/queries';
import type { Category, Run } from '../http/types';
import { RunBadge } from '../components/badges';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { RunExportMenu } from '../components/RunExportMenu';
import { RunResults } from '../components/RunResults';
import { RunSuppliers } from '../components/RunSuppliers';
import { SummaryTiles } from '../components/SummaryTiles';
import { formatCount, formatDateTime, formatRupees, periodText } from '../lib/format';
import { NotFoundPage } from './NotFoundPage';

export default function RunPage() {
  const { runId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const run = useQuery({
    queryKey: keys.run(runId),
    queryFn: () => api.get<Run>(`/api/reconciliations/${runId}`),
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'queued' || q.state.data.status === 'running') ? 1000 : false),
  });
  const client = useClient(run.data?.clientId ?? '');
  const category = (params.get('category') as Category | null) ?? null;
  const supplier = params.get('supplier');
  const [tab, setTab] = useState<string | null>('invoices');
  const setFilter = (key: string, value: string | null) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  if (run.error instanceof ApiError && (run.error.status === 404 || run.error.status === 400)) return <NotFoundPage what="reconciliation" />;
  const r = run.data;
  const pct = r && r.progress.total ? Math.round((r.progress.done / r.progress.total) * 100) : 0;
  return (
    <>
      <PageHeader
        crumbs={r ? [{ label: client.data?.name ?? 'Client', to: `/clients/${r.clientId}` }] : []}
        title={r ? `Reconciliation · ${periodText(r)}` : 'Reconciliation'}
        subtitle={
          r ? (
            <Group gap="xs">
              <RunBadge status={r.status} />
              <span>started {formatDateTime(r.createdAt)}</span>
              {r.completedAt ? <span>· completed {formatDateTime(r.completedAt)}</span> : null}
              <span>
                · tolerance {formatRupees(r.options.amountTolerance)}, date window {r.options.dateWindowDays} days
              </span>
            </Group>
          ) : undefined
        }
        actions={
          r?.status === 'completed' ? (
            <>
              <Button component={Link} to={`/clients/${r.clientId}/periods/${r.period}`} variant="default">
                Period close
              </Button>
              <RunExportMenu runId={r.runId} />
            </>
          ) : null
        }
      />
      <QueryState query={run} label="the reconciliation">
        {(data) => (
          <Stack>
            {data.status === 'queued' || data.status === 'running' ? (
              <Card withBorder>
                <Text fw={600} mb="xs">
                  {data.status === 'queued' ? 'Waiting for a worker…' : 'Matching…'}
                </Text>
                <Progress value={pct} size="lg" striped animated aria-label={`Reconciliation progress ${pct}%`} />
                <Text size="sm" c="dimmed" mt="xs" role="status">
                  {formatCount(data.progress.done)} of {formatCount(data.progress.total)} documents
                </Text>
              </Card>
            ) : null}
            {data.status === 'failed' ? (
              <Alert color="red" title="This reconciliation failed" role="alert">
                {data.failureReason ?? 'No reason was recorded.'} Start it again from the client's page; the same files give the same run.
              </Alert>
            ) : null}
            {data.status === 'completed' && data.summary ? (
              <>
                <SummaryTiles summary={data.summary} active={category} onCategory={(c) => setFilter('category', c)} />
                <Card withBorder>
                  <Tabs value={tab} onChange={setTab} keepMounted={false}>
                    <Tabs.List mb="sm">
                      <Tabs.Tab value="invoices">Invoices</Tabs.Tab>
                      <Tabs.Tab value="suppliers">Suppliers by ITC at risk</Tabs.Tab>
                    </Tabs.List>
                    <Tabs.Panel value="invoices">
                      <RunResults run={data} category={category} setCategory={(c) => setFilter('category', c)} supplier={supplier} setSupplier={(s) => setFilter('supplier', s)} />
                    </Tabs.Panel>
                    <Tabs.Panel value="suppliers">
                      <RunSuppliers
                        runId={data.runId}
                        onPick={(gstin) => {
                          setFilter('supplier', gstin);
                          setTab('invoices');
                        }}
                      />
                    </Tabs.Panel>
                  </Tabs>
                </Card>
              </>
            ) : null}
          </Stack>
        )}
      </QueryState>
    </>
  );
}
