/**
 * One result row: books and 2B side by side, the fields that differ highlighted, the reasons in
 * words, and the manual actions the row allows (accept, pending, ignore with a reason, clear, unlink).
 */
import { Badge, Button, Drawer, Group, Stack, Table, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { ResultRow, Side } from '../http/types';
import { formatDate, formatRupees } from '../lib/format';
import { signedField } from '../lib/signed-amounts';
import { CategoryBadge } from './badges';

export type RowAction = { action: 'accept' | 'pending' | 'ignore' | 'clear' | 'unlink'; resultId: string; note?: string };

const FIELDS: Array<{ key: keyof Side; label: string; money?: boolean; date?: boolean }> = [
  { key: 'invoiceNumber', label: 'Invoice number' },
  { key: 'invoiceDate', label: 'Invoice date', date: true },
  { key: 'docType', label: 'Document type' },
  { key: 'taxableValue', label: 'Taxable value', money: true },
  { key: 'igst', label: 'IGST', money: true },
  { key: 'cgst', label: 'CGST', money: true },
  { key: 'sgst', label: 'SGST', money: true },
  { key: 'cess', label: 'Cess', money: true },
  { key: 'invoiceValue', label: 'Invoice value', money: true },
  { key: 'placeOfSupply', label: 'Place of supply' },
  { key: 'reverseCharge', label: 'Reverse charge' },
];

function show(side: Side, f: (typeof FIELDS)[number]): string {
  const value = side[f.key];
  if (value === null || value === undefined) return '—';
  // A credit note's amounts negative, as the exports show them.
  if (f.money) return formatRupees(signedField(side, Number(value)));
  if (f.date) return formatDate(String(value));
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

export function RowDetail({ row, canAct, onClose, onAction }: { row: ResultRow | null; canAct: boolean; onClose: () => void; onAction: (a: RowAction) => Promise<void> }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  if (!row) return <Drawer opened={false} onClose={onClose} />;

  async function act(action: RowAction['action']) {
    if (!row) return;
    setBusy(action);
    try {
      await onAction({ action, resultId: row.id, ...(note.trim() ? { note: note.trim() } : {}) });
      setNote('');
    } finally {
      setBusy(null);
    }
  }
  const both = Boolean(row.books && row.portal);
  const decided = row.accepted || row.userStatus !== null || row.category === 'manual_match';
  return (
    <Drawer opened onClose={onClose} position="right" size="xl" title={<Text fw={600}>{row.supplierName ?? row.supplierGstin}</Text>}>
      <Stack>
        <Group gap="xs">
          <CategoryBadge category={row.category} />
          {row.accepted ? <Badge color="green">accepted</Badge> : null}
          {row.userStatus ? <Badge color={row.userStatus === 'ignored' ? 'gray' : 'blue'}>{row.userStatus}</Badge> : null}
          <Text size="sm" className="mono">
            {row.supplierGstin}
          </Text>
        </Group>
        {row.reasons.length ? (
          <Text size="sm">{row.reasons.map((r) => r.replace(/_/g, ' ')).join('; ')}</Text>
        ) : null}
        <Table withTableBorder withColumnBorders aria-label="Books and GSTR-2B side by side">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Field</Table.Th>
              <Table.Th>Books</Table.Th>
              <Table.Th>GSTR-2B</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {FIELDS.map((f) => {
              const differs = both && row.differences[f.key] !== undefined;
              const cls = differs ? 'diff' : undefined;
              return (
                <Table.Tr key={f.key}>
                  <Table.Td>
                    {f.label}
                    {differs ? <span className="visually-hidden"> (differs)</span> : null}
                  </Table.Td>
                  <Table.Td className={f.money ? `num ${cls ?? ''}` : cls}>{row.books ? show(row.books, f) : '—'}</Table.Td>
                  <Table.Td className={f.money ? `num ${cls ?? ''}` : cls}>{row.portal ? show(row.portal, f) : '—'}</Table.Td>
                </Table.Tr>
              );
            })}
            <Table.Tr>
              <Table.Td>ITC at risk</Table.Td>
              <Table.Td className="num" colSpan={2}>
                {formatRupees(row.itc.atRisk)}
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        {row.decisions.length ? (
          <Text size="xs" c="dimmed">
            Decided by hand: {row.decisions.map((d) => `${d.action}${d.note ? ` (${d.note})` : ''}`).join(', ')}
          </Text>
        ) : null}
        {canAct ? (
          <Stack gap="xs">
            <Textarea label="Note (a reason is required to ignore)" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={2000} autosize minRows={2} />
            <Group gap="xs">
              {both && !row.accepted && row.category === 'probable_match' ? (
                <Button size="xs" loading={busy === 'accept'} onClick={() => void act('accept')}>
                  Accept the match
                </Button>
              ) : null}
              <Button size="xs" variant="light" loading={busy === 'pending'} onClick={() => void act('pending')}>
                Mark pending
              </Button>
              <Button size="xs" variant="light" color="gray" disabled={!note.trim()} loading={busy === 'ignore'} onClick={() => void act('ignore')}>
                Ignore
              </Button>
              {both ? (
                <Button size="xs" variant="light" color="orange" loading={busy === 'unlink'} onClick={() => void act('unlink')}>
                  Unlink
                </Button>
              ) : null}
              {decided ? (
                <Button size="xs" variant="subtle" loading={busy === 'clear'} onClick={() => void act('clear')}>
                  Clear my decision
                </Button>
              ) : null}
            </Group>
          </Stack>
        ) : null}
      </Stack>
    </Drawer>
  );
}
