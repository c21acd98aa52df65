/**
 * A reconciliation: progress while it runs; then the summary, the invoice table (filters, manual
 * actions, linking two rows) and the supplier view sorted by ITC at risk, with exports and
 * "Chase supplier invoices" (a follow-up to the client for the ticked suppliers).
 */
import { Alert, Anchor, Button, Card, Checkbox, Group, Menu, Modal, Progress, Select, Stack, Table, Tabs, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, ApiError, qs } from '../http/client';
import { keys, useClient } from '../http/queries';
import { CAN, useUser } from '../http/session';
import { CATEGORIES, rowsOf, type Category, type Page, type ResultRow, type Run, type SupplierLine } from '../http/types';
import { CATEGORY_LABEL, RunBadge } from '../components/badges';
import { ChaseSuppliers, chaseableCount } from '../components/ChaseSuppliers';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { ResultsTable } from '../components/ResultsTable';
import { RowDetail, type RowAction } from '../components/RowDetail';
import { SummaryTiles } from '../components/SummaryTiles';
import { atRiskNotes } from '../lib/at-risk-notes';
import { formatCount, formatDate, formatDateTime, formatRupees, periodText } from '../lib/format';
import { notifyDone, notifyError } from '../lib/notify';
import { NotFoundPage } from './NotFoundPage';

function ExportMenu({ runId, supplierGstin, label = 'Export' }: { runId: string; supplierGstin?: string; label?: string }) {
  const href = (format: string) => `/api/reconciliations/${runId}/export${qs({ format, supplierGstin })}`;
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <Button variant="default" size={supplierGstin ? 'xs' : 'sm'}>
          {label}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item component="a" href={href('xlsx')} download>
          Excel workbook (XLSX)
        </Menu.Item>
        <Menu.Item component="a" href={href('csv')} download>
          CSV
        </Menu.Item>
        <Menu.Item component="a" href={href('json')} download>
          JSON
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

type LinkBody = { action: 'link'; booksResultId: string; portalResultId: string; confirmDifferentGstin?: boolean };

function useSuppliers(runId: string, enabled: boolean) {
  return useQuery({ queryKey: ['run', runId, 'suppliers'], enabled, queryFn: () => api.get<Page<SupplierLine>>(`/api/reconciliations/${runId}/suppliers?limit=500`) });
}

function Suppliers({ runId, onPick }: { runId: string; onPick: (gstin: string) => void }) {
  const suppliers = useSuppliers(runId, true);
  const canChase = CAN.prepare(useUser().role);
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const toggle = (gstin: string) =>
    setTicked((prev) => {
      const next = new Set(prev);
      if (next.has(gstin)) next.delete(gstin);
      else next.add(gstin);
      return next;
    });
  return (
    <QueryState query={suppliers} label="suppliers" isEmpty={(d) => d.items.length === 0}>
      {(d) => (
        <Stack gap="sm">
          {canChase ? (
            <Group gap="sm">
              <ChaseSuppliers runId={runId} suppliers={d.items.filter((s) => ticked.has(s.supplierGstin))} />
              <Text size="xs" c="dimmed">
                Tick the suppliers whose bills the client should check: documents missing in the books or reported differently.
              </Text>
            </Group>
          ) : null}
          <Table.ScrollContainer minWidth={900}>
            <Table highlightOnHover stickyHeader>
              <Table.Thead>
                <Table.Tr>
                  {canChase ? <Table.Th w={40} /> : null}
                  <Table.Th>Supplier</Table.Th>
                  <Table.Th className="num">Taxable (books)</Table.Th>
                  <Table.Th className="num">Taxable (2B)</Table.Th>
                  <Table.Th className="num">Tax difference</Table.Th>
                  <Table.Th className="num" title="Documents a reviewer ignored are left out, unless a live follow-up still asks about them">
                    ITC at risk
                  </Table.Th>
                  <Table.Th className="num">Matched</Table.Th>
                  <Table.Th>Last filed</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.items.map((s) => (
                  <Table.Tr key={s.supplierGstin}>
                    {canChase ? (
                      <Table.Td>
                        <Checkbox
                          aria-label={`Chase ${s.supplierName ?? s.supplierGstin}`}
                          checked={ticked.has(s.supplierGstin)}
                          disabled={chaseableCount(s) === 0}
                          title={chaseableCount(s) === 0 ? 'Nothing to chase: no document missing in the books or reported differently' : undefined}
                          onChange={() => toggle(s.supplierGstin)}
                        />
                      </Table.Td>
                    ) : null}
                    <Table.Td>
                      <Anchor component="button" size="sm" onClick={() => onPick(s.supplierGstin)} ta="left">
                        {s.supplierName ?? s.supplierGstin}
                      </Anchor>
                      <Text size="xs" c="dimmed" className="mono">
                        {s.supplierGstin}
                      </Text>
                    </Table.Td>
                    <Table.Td className="num">{formatRupees(s.booksTaxable)}</Table.Td>
                    <Table.Td className="num">{formatRupees(s.portalTaxable)}</Table.Td>
                    <Table.Td className="num">{formatRupees(s.taxDifference)}</Table.Td>
                    <Table.Td className="num" c={s.itcAtRisk > 0 ? 'red.8' : undefined} fw={s.itcAtRisk > 0 ? 600 : undefined}>
                      {formatRupees(s.itcAtRisk)}
                      {atRiskNotes(s).map((note) => (
                        <Text key={note} size="xs" c="dimmed" fw={400}>
                          {note}
                        </Text>
                      ))}
                    </Table.Td>
                    <Table.Td className="num">{Math.round(s.shareMatched * 100)}%</Table.Td>
                    <Table.Td>{formatDate(s.lastFilingDate)}</Table.Td>
                    <Table.Td>
                      <ExportMenu runId={runId} supplierGstin={s.supplierGstin} label="Export" />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </QueryState>
  );
}

function Results({ run, supplier, setSupplier, category, setCategory }: { run: Run; supplier: string | null; setSupplier: (s: string | null) => void; category: Category | null; setCategory: (c: Category | null) => void }) {
  const user = useUser();
  const canAct = CAN.prepare(user.role);
  const queryClient = useQueryClient();
  const suppliers = useSuppliers(run.runId, true);
  const [open, setOpen] = useState<ResultRow | null>(null);
  const [selected, setSelected] = useState<Map<string, ResultRow>>(new Map());
  const [linking, setLinking] = useState(false);
  /** A link the API refused because the two documents name different supplier GSTINs: asked again, with the person's confirmation. */
  const [crossLink, setCrossLink] = useState<{ body: LinkBody; books: string; portal: string } | null>(null);
  /**
   * Where the keyboard goes back to when that question closes: "Link selected" was disabled (busy)
   * while the API answered, so it had lost the focus by the time the dialog opened and Mantine's
   * own return would land on the page's body.
   */
  const linkButton = useRef<HTMLButtonElement>(null);

  const results = useInfiniteQuery({
    queryKey: ['run', run.runId, 'results', category, supplier],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => api.get<Page<ResultRow>>(`/api/reconciliations/${run.runId}/results${qs({ limit: 500, category, supplierGstin: supplier, cursor: pageParam })}`),
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = useMemo(() => results.data?.pages.flatMap((p) => p.items) ?? [], [results.data]);
  const total = category ? (run.summary ? rowsOf(run.summary, category) : rows.length) : supplier ? rows.length : (run.summary?.results ?? rows.length);
  const loadMore = useCallback(() => void results.fetchNextPage(), [results]);

  async function refreshAfterChange() {
    // The run (its summary), its suppliers and every loaded page of results.
    await queryClient.invalidateQueries({ queryKey: keys.run(run.runId) });
  }

  async function act(body: RowAction | LinkBody) {
    try {
      await api.post(`/api/reconciliations/${run.runId}/actions`, body);
      notifyDone(body.action === 'link' ? 'Linked. The figures are updated.' : 'Saved. The figures are updated.');
      setOpen(null);
      setSelected(new Map());
      await refreshAfterChange();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'gstin_mismatch' && body.action === 'link') {
        setCrossLink({ body, books: String(e.details.booksSupplierGstin ?? ''), portal: String(e.details.portalSupplierGstin ?? '') });
        throw e;
      }
      if (e instanceof ApiError && e.code === 'reconciliation_superseded') notifyError(e, 'A newer reconciliation of this period exists');
      else if (e instanceof ApiError && e.code === 'period_closed') notifyError(e, 'The period is closed');
      else if (e instanceof ApiError && e.status === 404) notifyError(e, 'That row has changed: someone else acted on it first');
      else notifyError(e);
      // A refusal by state (a row gone, a newer run, a closed period) means what is on screen is old:
      // show what the server holds now, rather than a row that can no longer be acted on.
      if (e instanceof ApiError && (e.status === 404 || e.status === 409 || e.status === 422)) {
        if (e.status === 404) {
          setOpen(null);
          setSelected(new Map());
        }
        await refreshAfterChange();
      }
      throw e;
    }
  }

  const picked = [...selected.values()];
  const books = picked.find((r) => r.category === 'missing_in_2b');
  const portal = picked.find((r) => r.category === 'missing_in_books');
  const canLink = picked.length === 2 && Boolean(books && portal);

  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="sm">
        <Select
          label="Category"
          placeholder="All categories"
          clearable
          data={CATEGORIES.filter((c) => (run.summary ? rowsOf(run.summary, c) : 0) > 0).map((c) => ({ value: c, label: `${CATEGORY_LABEL[c]} (${formatCount(run.summary ? rowsOf(run.summary, c) : 0)})` }))}
          value={category}
          clearButtonProps={{ 'aria-label': 'Show all categories' }}
          onChange={(v) => setCategory(v as Category | null)}
          w={240}
        />
        <Select
          label="Supplier"
          placeholder="All suppliers"
          clearable
          searchable
          data={(suppliers.data?.items ?? []).map((s) => ({ value: s.supplierGstin, label: `${s.supplierName ?? s.supplierGstin} · ${s.supplierGstin}` }))}
          value={supplier}
          clearButtonProps={{ 'aria-label': 'Show all suppliers' }}
          onChange={setSupplier}
          w={340}
          nothingFoundMessage="No such supplier"
        />
        {canAct ? (
          <Button
            ref={linkButton}
            variant={canLink ? 'filled' : 'default'}
            disabled={!canLink}
            loading={linking}
            onClick={() => {
              if (!books || !portal) return;
              setLinking(true);
              void act({ action: 'link', booksResultId: books.id, portalResultId: portal.id })
                .catch(() => undefined)
                .finally(() => setLinking(false));
            }}
          >
            Link selected {picked.length ? `(${picked.length})` : ''}
          </Button>
        ) : null}
        <Text size="sm" c="dimmed" ml="auto">
          {formatCount(rows.length)} of {formatCount(total)} rows loaded
        </Text>
      </Group>
      {canAct ? (
        <Text size="xs" c="dimmed">
          To link a register entry to a 2B document by hand, tick one “Missing in 2B” row and one “Missing in books” row, then Link selected. Click a row to compare and decide.
        </Text>
      ) : null}
      <QueryState query={{ ...results, data: results.data, refetch: results.refetch }} label="results">
        {() => (
          <ResultsTable
            rows={rows}
            total={total}
            hasMore={Boolean(results.hasNextPage)}
            loadingMore={results.isFetchingNextPage}
            loadMore={loadMore}
            selected={new Set(selected.keys())}
            selectable={canAct}
            onToggle={(row) =>
              setSelected((prev) => {
                const next = new Map(prev);
                if (next.has(row.id)) next.delete(row.id);
                else next.set(row.id, row);
                return next;
              })
            }
            onOpen={setOpen}
          />
        )}
      </QueryState>
      <Modal opened={crossLink !== null} onClose={() => setCrossLink(null)} title="Link documents of two different suppliers?" returnFocus={false} onExitTransitionEnd={() => linkButton.current?.focus()}>
        {crossLink ? (
          <Stack gap="sm">
            <Text size="sm">
              The register entry is from supplier <span className="mono">{crossLink.books}</span>, the GSTR-2B document from <span className="mono">{crossLink.portal}</span>. Linked, both are filed under{' '}
              <span className="mono">{crossLink.portal}</span> (the GSTIN in GSTR-2B): the entry leaves the other supplier's statement and chases. Link them only if the register has the wrong GSTIN.
            </Text>
            <Group justify="flex-end">
              {/* Focus starts on the answer that changes nothing. */}
              <Button variant="default" onClick={() => setCrossLink(null)} data-autofocus>
                Cancel
              </Button>
              <Button
                color="orange"
                loading={linking}
                onClick={() => {
                  const body = { ...crossLink.body, confirmDifferentGstin: true };
                  setCrossLink(null);
                  setLinking(true);
                  void act(body)
                    .catch(() => undefined)
                    .finally(() => setLinking(false));
                }}
              >
                Link anyway
              </Button>
            </Group>
          </Stack>
        ) : null}
      </Modal>
      <RowDetail key={open?.id ?? 'none'} row={open} canAct={canAct} onClose={() => setOpen(null)} onAction={(a) => act(a)} />
    </Stack>
  );
}

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
              <ExportMenu runId={r.runId} />
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
                      <Results run={data} category={category} setCategory={(c) => setFilter('category', c)} supplier={supplier} setSupplier={(s) => setFilter('supplier', s)} />
                    </Tabs.Panel>
                    <Tabs.Panel value="suppliers">
                      <Suppliers
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
