/** One client: its periods and their close state, its reconciliations and its imports. */
import { Anchor, Badge, Button, Card, Group, Modal, Stack, Table, Tabs, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { keys, useClient, useImports, usePeriods, useRuns } from '../http/queries';
import { CAN, useUser } from '../http/session';
import type { Client, ImportRecord } from '../http/types';
import { PeriodBadge } from '../components/badges';
import { ClientForm } from '../components/ClientForm';
import { FollowUpForm } from '../components/FollowUpForm';
import { FollowUpList } from '../components/FollowUpList';
import { NoticeIntake } from '../components/NoticeIntake';
import { NoticeList } from '../components/NoticeList';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { RunsTable } from '../components/RunsTable';
import { formatBytes, formatCount, formatDateTime, formatPeriod } from '../lib/format';
import { stateOf } from '../lib/gstin';
import { notifyDone, notifyError } from '../lib/notify';
import { NotFoundPage } from './NotFoundPage';

const KIND: Record<ImportRecord['kind'], string> = { gstr2b: 'GSTR-2B', gstr2a: 'GSTR-2A', purchase_register: 'Purchase register' };
const IMPORT_STATUS: Record<ImportRecord['status'], { label: string; color: string }> = {
  awaiting_upload: { label: 'Waiting for file', color: 'gray' },
  validated: { label: 'Validated', color: 'green' },
  rejected: { label: 'Rejected', color: 'red' },
  expired: { label: 'Expired', color: 'gray' },
  discarded: { label: 'Discarded', color: 'gray' },
  superseded: { label: 'Superseded', color: 'gray' },
};

function Periods({ clientId }: { clientId: string }) {
  const periods = usePeriods(clientId);
  return (
    <QueryState query={periods} label="periods" isEmpty={(d) => d.items.length === 0} empty="No period yet: a period appears with its first import.">
      {(d) => (
        <Table highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Period</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Last change</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {d.items.map((p) => (
              <Table.Tr key={p.period}>
                <Table.Td>
                  <Anchor component={Link} to={`/clients/${clientId}/periods/${p.period}`} size="sm">
                    {p.periodLabel}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <PeriodBadge state={p.state} />
                </Table.Td>
                <Table.Td>{formatDateTime(p.changedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </QueryState>
  );
}

/** Undo a wrong upload (DELETE /api/imports/:id): discarded, or superseded when a run used it. */
function DiscardButton({ clientId, importId, filename }: { clientId: string; importId: string; filename: string | null }) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  async function discard() {
    if (!window.confirm('Undo this upload? A file a reconciliation used is kept for that run but no longer counts as the period\'s latest.')) return;
    setBusy(true);
    try {
      const res = await api.del<ImportRecord>(`/api/imports/${importId}`);
      notifyDone(res.status === 'superseded' ? 'Superseded: the period uses the file before it.' : 'Discarded.');
      await queryClient.invalidateQueries({ queryKey: keys.imports(clientId) });
    } catch (e) {
      notifyError(e, 'The upload was not undone');
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button size="xs" variant="subtle" color="red" loading={busy} aria-label={`Undo the upload of ${filename ?? 'this file'}`} onClick={() => void discard()}>
      Undo
    </Button>
  );
}

function Imports({ clientId, canUndo }: { clientId: string; canUndo: boolean }) {
  const imports = useImports(clientId);
  return (
    <QueryState query={imports} label="imports" isEmpty={(d) => d.items.length === 0} empty="No file uploaded yet.">
      {(d) => (
        <Table.ScrollContainer minWidth={640}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Period</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>File</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th className="num">Rows</Table.Th>
                <Table.Th>Uploaded</Table.Th>
                {canUndo ? <Table.Th /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.items.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>{formatPeriod(i.period)}</Table.Td>
                  <Table.Td>{KIND[i.kind]}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{i.filename}</Text>
                    {i.sizeBytes ? (
                      <Text size="xs" c="dimmed">
                        {formatBytes(i.sizeBytes)}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={IMPORT_STATUS[i.status].color} variant="light">
                      {IMPORT_STATUS[i.status].label}
                    </Badge>
                    {i.duplicateOf ? (
                      <Tooltip label="The same file was uploaded before">
                        <Badge color="yellow" variant="light" ml={4}>
                          duplicate
                        </Badge>
                      </Tooltip>
                    ) : null}
                  </Table.Td>
                  <Table.Td className="num">{formatCount(i.rows)}</Table.Td>
                  <Table.Td>{formatDateTime(i.uploadedAt)}</Table.Td>
                  {canUndo ? <Table.Td>{i.status === 'validated' || i.status === 'rejected' || i.status === 'awaiting_upload' ? <DiscardButton clientId={clientId} importId={i.id} filename={i.filename} /> : null}</Table.Td> : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </QueryState>
  );
}

function Runs({ clientId }: { clientId: string }) {
  const runs = useRuns({ clientId });
  return (
    <QueryState query={runs} label="reconciliations" isEmpty={(d) => d.items.length === 0} empty="No reconciliation yet.">
      {(d) => <RunsTable runs={d.items} showClient={false} />}
    </QueryState>
  );
}

export default function ClientPage() {
  const { clientId = '' } = useParams();
  const user = useUser();
  const client = useClient(clientId);
  const [editing, { open, close }] = useDisclosure(false);
  const [creating, setCreating] = useState<'follow-up' | 'notice' | null>(null);
  const queryClient = useQueryClient();

  if (client.error instanceof ApiError && (client.error.status === 404 || client.error.status === 400)) return <NotFoundPage what="client" />;
  const c = client.data;
  const preparer = CAN.prepare(user.role);
  return (
    <>
      <PageHeader
        crumbs={CAN.isFirmStaff(user.role) ? [{ label: 'Clients', to: '/clients' }] : []}
        title={c?.name ?? 'Client'}
        subtitle={
          c ? (
            <Group gap="xs">
              <span className="mono">{c.gstin}</span>
              <span>· {stateOf(c.gstin) ?? c.stateCode}</span>
              <span>· files {c.filingFrequency}</span>
              {CAN.isFirmStaff(user.role) ? <span>· {c.email}</span> : null}
            </Group>
          ) : undefined
        }
        actions={
          preparer && c ? (
            <>
              <Button variant="default" onClick={open}>
                Edit
              </Button>
              {CAN.clientData(user.role) ? (
                <Button variant="default" component={Link} to={`/clients/${clientId}/data`}>
                  Export or erase
                </Button>
              ) : null}
              <Button component={Link} to={`/clients/${clientId}/reconcile`}>
                Reconcile a period
              </Button>
            </>
          ) : null
        }
      />
      <QueryState query={client} label="the client">
        {() => (
          <Card withBorder>
            <Tabs defaultValue="periods" keepMounted={false}>
              <Tabs.List mb="sm">
                <Tabs.Tab value="periods">Periods</Tabs.Tab>
                <Tabs.Tab value="runs">Reconciliations</Tabs.Tab>
                <Tabs.Tab value="imports">Imports</Tabs.Tab>
                {CAN.isFirmStaff(user.role) ? <Tabs.Tab value="follow-ups">Follow-ups</Tabs.Tab> : null}
                <Tabs.Tab value="notices">Notices</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="periods">
                <Periods clientId={clientId} />
              </Tabs.Panel>
              <Tabs.Panel value="runs">
                <Runs clientId={clientId} />
              </Tabs.Panel>
              <Tabs.Panel value="imports">
                <Imports clientId={clientId} canUndo={preparer} />
              </Tabs.Panel>
              <Tabs.Panel value="follow-ups">
                <Stack>
                  {preparer ? (
                    <Button variant="light" w="fit-content" onClick={() => setCreating('follow-up')}>
                      New follow-up
                    </Button>
                  ) : null}
                  <FollowUpList clientId={clientId} />
                </Stack>
              </Tabs.Panel>
              <Tabs.Panel value="notices">
                <Stack>
                  {preparer ? (
                    <Button variant="light" w="fit-content" onClick={() => setCreating('notice')}>
                      Take in a notice
                    </Button>
                  ) : null}
                  <NoticeList clientId={clientId} />
                </Stack>
              </Tabs.Panel>
            </Tabs>
          </Card>
        )}
      </QueryState>
      {creating === 'follow-up' ? <FollowUpForm opened clientId={clientId} onClose={() => setCreating(null)} /> : null}
      {creating === 'notice' ? <NoticeIntake opened clientId={clientId} onClose={() => setCreating(null)} /> : null}
      <Modal opened={editing} onClose={close} title="Edit client" size="lg">
        {c ? (
          <ClientForm
            initial={c}
            onCancel={close}
            onSubmit={async (input) => {
              const { name, email, filingFrequency } = input;
              await api.patch<Client>(`/api/clients/${clientId}`, { name, email, filingFrequency });
              await queryClient.invalidateQueries({ queryKey: keys.clients });
              close();
              notifyDone('Saved.');
            }}
          />
        ) : null}
      </Modal>
    </>
  );
}
