/**
 * A completed reconciliation's suppliers sorted by ITC at risk, each with its figures and exports;
 * ticked suppliers are chased with "Chase supplier invoices" (a follow-up to the client).
 */
import { Anchor, Checkbox, Group, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../http/client';
import { CAN, useUser } from '../http/session';
import type { Page, SupplierLine } from '../http/types';
import { atRiskNotes } from '../lib/at-risk-notes';
import { formatDate, formatRupees } from '../lib/format';
import { ChaseSuppliers, chaseableCount } from './ChaseSuppliers';
import { QueryState } from './QueryState';
import { RunExportMenu } from './RunExportMenu';

/** The run's suppliers (the list and the invoice table's supplier filter share the query). */
export function useRunSuppliers(runId: string, enabled: boolean) {
  return useQuery({ queryKey: ['run', runId, 'suppliers'], enabled, queryFn: () => api.get<Page<SupplierLine>>(`/api/reconciliations/${runId}/suppliers?limit=500`) });
}

export function RunSuppliers({ runId, onPick }: { runId: string; onPick: (gstin: string) => void }) {
  const suppliers = useRunSuppliers(runId, true);
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
                      <RunExportMenu runId={runId} supplierGstin={s.supplierGstin} label="Export" />
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
