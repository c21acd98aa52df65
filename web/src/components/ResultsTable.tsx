/**
 * The invoice table of a reconciliation: rows fetched 500 at a time as the person scrolls, only the
 * rows on screen rendered (a lakh of rows scrolls like a hundred). Arrow keys move between rows,
 * Enter opens a row, Space selects it for linking.
 */
import { Checkbox, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { ResultRow } from '../http/types';
import { formatDate, formatRupees } from '../lib/format';
import { signedTax, signedTaxable } from '../lib/signed-amounts';
import { CategoryBadge } from './badges';

const COLUMNS = '32px 136px minmax(140px, 1.3fr) minmax(120px, 1fr) 92px 118px 118px 100px 108px';
const ROW_HEIGHT = 40;

function MoneyCell({ value, differs }: { value: number | null; differs: boolean }) {
  return (
    <div role="gridcell" className={`num${differs ? ' diff' : ''}`}>
      {formatRupees(value)}
    </div>
  );
}

export function ResultsTable(props: {
  rows: ResultRow[];
  total: number;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  selected: Set<string>;
  onToggle: (row: ResultRow) => void;
  onOpen: (row: ResultRow) => void;
  selectable: boolean;
}) {
  const { rows, hasMore, loadingMore, loadMore } = props;
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => parent.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 50) loadMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, loadMore]);

  function onKey(e: KeyboardEvent<HTMLDivElement>, index: number) {
    const row = rows[index];
    if (!row) return;
    const focusRow = (i: number) => {
      virtualizer.scrollToIndex(i);
      requestAnimationFrame(() => parent.current?.querySelector<HTMLElement>(`[data-index="${i}"]`)?.focus());
    };
    if (e.key === 'ArrowDown' && index < rows.length - 1) {
      e.preventDefault();
      focusRow(index + 1);
    } else if (e.key === 'ArrowUp' && index > 0) {
      e.preventDefault();
      focusRow(index - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      props.onOpen(row);
    } else if (e.key === ' ' && props.selectable) {
      e.preventDefault();
      props.onToggle(row);
    }
  }

  return (
    <div role="grid" aria-label="Reconciliation results" aria-rowcount={props.total} style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 4, overflowX: 'auto' }}>
      <div style={{ minWidth: 960 }}>
        <div className="vhead" role="row" style={{ gridTemplateColumns: COLUMNS }}>
          <div role="columnheader">
            <span className="visually-hidden">Select</span>
          </div>
          <div role="columnheader">Category</div>
          <div role="columnheader">Supplier</div>
          <div role="columnheader">Invoice</div>
          <div role="columnheader">Date</div>
          <div role="columnheader" className="num">
            Taxable (books)
          </div>
          <div role="columnheader" className="num">
            Taxable (2B)
          </div>
          <div role="columnheader" className="num">
            Tax diff.
          </div>
          <div role="columnheader" className="num">
            ITC at risk
          </div>
        </div>
        <div ref={parent} style={{ height: 'min(62vh, 640px)', overflowY: 'auto', contain: 'strict' }} data-testid="results-scroller">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const row = rows[v.index]!;
              const side = row.books ?? row.portal;
              // Signed as the exports sign them: a credit note's amounts are negative.
              const bt = signedTax(row.books);
              const pt = signedTax(row.portal);
              const selected = props.selected.has(row.id);
              return (
                <div
                  key={row.id}
                  data-index={v.index}
                  role="row"
                  aria-rowindex={v.index + 2}
                  aria-selected={selected}
                  tabIndex={0}
                  className="vrow"
                  style={{ gridTemplateColumns: COLUMNS, position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                  onClick={() => props.onOpen(row)}
                  onKeyDown={(e) => onKey(e, v.index)}
                  data-testid="result-row"
                  data-category={row.category}
                >
                  <div role="gridcell" onClick={(e) => e.stopPropagation()}>
                    {props.selectable && (row.category === 'missing_in_2b' || row.category === 'missing_in_books') ? (
                      <Checkbox size="xs" checked={selected} onChange={() => props.onToggle(row)} aria-label={`Select ${side?.invoiceNumber ?? 'row'} for linking`} tabIndex={-1} />
                    ) : null}
                  </div>
                  <div role="gridcell">
                    <CategoryBadge category={row.category} />
                  </div>
                  <div role="gridcell" title={row.supplierName ?? ''}>
                    <Text size="sm" truncate>
                      {row.supplierName ?? row.supplierGstin}
                    </Text>
                  </div>
                  <div role="gridcell" className={row.differences.invoiceNumber ? 'diff mono' : 'mono'}>
                    {side?.invoiceNumber ?? '—'}
                  </div>
                  <div role="gridcell" className={row.differences.invoiceDate ? 'diff' : undefined}>
                    {formatDate(side?.invoiceDate)}
                  </div>
                  <MoneyCell value={signedTaxable(row.books)} differs={Boolean(row.differences.taxableValue)} />
                  <MoneyCell value={signedTaxable(row.portal)} differs={Boolean(row.differences.taxableValue)} />
                  <div role="gridcell" className="num">
                    {bt !== null && pt !== null ? formatRupees(Math.round((bt - pt) * 100) / 100) : '—'}
                  </div>
                  <div role="gridcell" className="num">
                    {row.itc.atRisk ? formatRupees(row.itc.atRisk) : '—'}
                  </div>
                </div>
              );
            })}
          </div>
          {rows.length === 0 && !loadingMore ? (
            <Text c="dimmed" ta="center" py="xl" size="sm">
              No row matches these filters.
            </Text>
          ) : null}
        </div>
      </div>
    </div>
  );
}
