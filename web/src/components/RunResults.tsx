/**
 * A completed reconciliation's invoice table: filters by category and supplier, the row detail with
 * its manual actions, and linking a register entry to a 2B document by hand (asked again when the
 * two name different supplier GSTINs).
 */
import { Button, Group, Modal, Select, Stack, Text } from '@mantine/core';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { api, ApiError, qs } from '../http/client';
import { keys } from '../http/queries';
import { CAN, useUser } from '../http/session';
import { CATEGORIES, rowsOf, type Category, type Page, type ResultRow, type Run } from '../http/types';
import { formatCount } from '../lib/format';
import { notifyDone, notifyError } from '../lib/notify';
import { CATEGORY_LABEL } from './badges';
import { QueryState } from './QueryState';
import { ResultsTable } from './ResultsTable';
import { RowDetail, type RowAction } from './RowDetail';
import { useRunSuppliers } from './RunSuppliers';

type LinkBody = { action: 'link'; booksResultId: string; portalResultId: string; confirmDifferentGstin?: boolean };

export function RunResults({ run, supplier, setSupplier, category, setCategory }: { run: Run; supplier: string | null; setSupplier: (s: string | null) => void; category: Category | null; setCategory: (c: Category | null) => void }) {
  const user = useUser();
  const canAct = CAN.prepare(user.role);
  const queryClient = useQueryClient();
  const suppliers = useRunSuppliers(run.runId, true);
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
