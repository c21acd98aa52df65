/**
 * One result row: books and 2B side by side, the fields that differ highlighted, the reasons in
 * words, and the manual actions the row allows (accept, pending, ignore with a reason, clear, unlink).
 */
import { Badge, Button, Drawer, Group, Stack, Table, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { decisionLabel, docTypeLabel, documentFieldLabel, flagLabels, reasonLabel, userStatusLabel } from '../../../domain/recon/labels';
import type { ResultRow, Side } from '../http/types';
import { formatDate, formatDateTime, formatRupees } from '../lib/format';
import { signedField } from '../lib/signed-amounts';
import { CategoryBadge } from './badges';

export type RowAction = { action: 'accept' | 'pending' | 'ignore' | 'clear' | 'unlink'; resultId: string; note?: string };

const FIELDS: Array<{ key: keyof Side; label: string; money?: boolean; date?: boolean }> = (
  [
    { key: 'invoiceNumber' },
    { key: 'invoiceDate', date: true },
    { key: 'docType' },
    { key: 'taxableValue', money: true },
    { key: 'igst', money: true },
    { key: 'cgst', money: true },
    { key: 'sgst', money: true },
    { key: 'cess', money: true },
    { key: 'invoiceValue', money: true },
    { key: 'placeOfSupply' },
    { key: 'reverseCharge' },
  ] as const
).map((f) => ({ ...f, label: documentFieldLabel(f.key) }));

function show(side: Side, f: (typeof FIELDS)[number]): string {
  const value = side[f.key];
  if (value === null || value === undefined) return '—';
  // A credit note's amounts negative, as the exports show them.
  if (f.money) return formatRupees(signedField(side, Number(value)));
  if (f.date) return formatDate(String(value));
  if (f.key === 'docType') return docTypeLabel(String(value));
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
    } catch {
      // The page has said why (a notification) and reloaded the run; the note stays for another try.
    } finally {
      setBusy(null);
    }
  }
  const both = Boolean(row.books && row.portal);
  // Why the row is where it is, in words (the exports' Reason column): the first reason, then the others.
  const why = [...new Set([row.reason, ...row.reasons].filter(Boolean).map(reasonLabel))];
  const decided = row.accepted || row.userStatus !== null || row.category === 'manual_match';
  return (
    <Drawer opened onClose={onClose} position="right" size="xl" title={<Text fw={600}>{row.supplierName ?? row.supplierGstin}</Text>}>
      <Stack>
        <Group gap="xs">
          <CategoryBadge category={row.category} />
          {row.accepted ? <Badge color="green">accepted</Badge> : null}
          {row.userStatus ? <Badge color={row.userStatus === 'ignored' ? 'gray' : 'blue'}>{userStatusLabel(row.userStatus)}</Badge> : null}
          <Text size="sm" className="mono">
            {row.supplierGstin}
          </Text>
        </Group>
        {why.length ? <Text size="sm">{why.join('; ')}</Text> : null}
        {row.flags.length ? (
          <Text size="sm" c="dimmed">
            {flagLabels(row.flags)}
          </Text>
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
            Decided by hand:{' '}
            {row.decisions.map((d) => [decisionLabel(d.action), d.by ? `by ${d.by}` : null, d.at ? formatDateTime(d.at) : null, d.note ? `(${d.note})` : null].filter(Boolean).join(' ')).join('; ')}
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
