/** A reconciliation's exports (XLSX, CSV, JSON): the whole run's, or one supplier's. */
import { Button, Menu } from '@mantine/core';
import { qs } from '../http/client';

export function RunExportMenu({ runId, supplierGstin, label = 'Export' }: { runId: string; supplierGstin?: string; label?: string }) {
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
