/**
 * A client's data rights (firm admins): export everything held about the client as one ZIP (behind
 * re-authentication; the download is a signed URL, single use, valid 24 hours), and erase the client
 * for good with the name typed to confirm, then the signed certificate of what was deleted and kept.
 * The export or erasure being watched lives in the URL, so a reload keeps following it.
 */
import { Alert, Anchor, Button, Card, Code, Group, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { useClient } from '../http/queries';
import type { ClientExport, Erasure } from '../http/types';
import { RefusalAlert, useAction } from '../components/ActionModal';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { useReauth } from '../components/Reauth';
import { formatBytes, formatCount, formatDateTime } from '../lib/format';
import { NotFoundPage } from './NotFoundPage';

const EXPORT_STATUS: Record<ClientExport['status'], string> = { queued: 'Queued', running: 'Being built…', ready: 'Ready to download', failed: 'Failed', expired: 'Expired' };

/** The signed URL's path on this origin (the dev server's proxy carries it too). */
const sameOrigin = (url: string) => {
  const u = new URL(url, window.location.origin);
  return `${u.pathname}${u.search}`;
};

function ExportStatus({ exportId }: { exportId: string }) {
  const status = useQuery({
    queryKey: ['exports', exportId],
    queryFn: () => api.get<ClientExport>(`/api/exports/${exportId}`),
    // While it is built, and while its link is unused (so the page says when it was downloaded).
    refetchInterval: (q) => {
      const e = q.state.data;
      if (!e) return false;
      if (e.status === 'queued' || e.status === 'running') return 2000;
      return e.downloadUrl ? 5000 : false;
    },
  });
  return (
    <QueryState query={status} label="the export">
      {(e) => (
        <Table aria-label="Export" data-testid="export-status">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={160}>Status</Table.Th>
              <Table.Td>{EXPORT_STATUS[e.status] ?? e.status}</Table.Td>
            </Table.Tr>
            {e.sizeBytes !== null ? (
              <Table.Tr>
                <Table.Th>Size</Table.Th>
                <Table.Td>{formatBytes(e.sizeBytes)}</Table.Td>
              </Table.Tr>
            ) : null}
            {e.sha256 ? (
              <Table.Tr>
                <Table.Th>SHA-256</Table.Th>
                <Table.Td className="mono" style={{ wordBreak: 'break-all' }}>
                  {e.sha256}
                </Table.Td>
              </Table.Tr>
            ) : null}
            {e.counts ? (
              <Table.Tr>
                <Table.Th>Rows</Table.Th>
                <Table.Td>{formatCount(Object.values(e.counts).reduce((a, b) => a + b, 0))} across {Object.keys(e.counts).length} tables</Table.Td>
              </Table.Tr>
            ) : null}
            <Table.Tr>
              <Table.Th>Download</Table.Th>
              <Table.Td>
                {e.downloadUrl ? (
                  <Stack gap={2}>
                    <Anchor href={sameOrigin(e.downloadUrl)} download>
                      Download the ZIP
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      Works once, until {formatDateTime(e.expiresAt)}.
                    </Text>
                  </Stack>
                ) : e.downloadedAt ? (
                  `Downloaded ${formatDateTime(e.downloadedAt)}: each export downloads once.`
                ) : e.status === 'failed' ? (
                  e.failureReason ?? 'The export failed.'
                ) : e.status === 'expired' ? (
                  'Expired: request a new export.'
                ) : (
                  'When it is ready.'
                )}
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      )}
    </QueryState>
  );
}

function ErasureStatus({ erasureId }: { erasureId: string }) {
  const status = useQuery({
    queryKey: ['erasures', erasureId],
    queryFn: () => api.get<Erasure>(`/api/erasures/${erasureId}`),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 2000 : false),
  });
  return (
    <div data-testid="erasure-status">
    <QueryState query={status} label="the erasure">
      {(e) =>
        e.status === 'running' ? (
          <Alert color="orange" title="Erasing" role="status">
            Requested {formatDateTime(e.requestedAt)}. Running workflows of the client are stopped first, then its data is deleted and a certificate is signed.
          </Alert>
        ) : e.status === 'failed' ? (
          <Alert color="red" title="The erasure failed" role="alert">
            {e.failureReason ?? 'Ask again: the erasure resumes where it stopped.'}
          </Alert>
        ) : (
          <Stack data-testid="erasure-certificate">
            <Alert color="green" title="Erased">
              Completed {formatDateTime(e.completedAt)}. The certificate below is signed by the platform (verify it with <Code>npm run ops:verify-certificate</Code>).
            </Alert>
            <CertificateSummary certificate={e.certificate ?? {}} />
            <details>
              <summary>The certificate as signed (JSON)</summary>
              <Code block>{JSON.stringify(e.certificate, null, 2)}</Code>
            </details>
          </Stack>
        )
      }
    </QueryState>
    </div>
  );
}

type Certificate = { deleted?: { tables?: Record<string, { before: number; after: number }>; files?: { deleted: number } }; kept?: Array<{ what: string; why: string }>; backups?: { holdDataUntil?: string }; auditChain?: { ok?: boolean } };

function CertificateSummary({ certificate }: { certificate: Certificate }) {
  const tables = Object.entries(certificate.deleted?.tables ?? {}).filter(([, c]) => c.before > 0);
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <Table aria-label="Deleted">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Deleted</Table.Th>
            <Table.Th className="num">Rows</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tables.map(([table, c]) => (
            <Table.Tr key={table}>
              <Table.Td>{table}</Table.Td>
              <Table.Td className="num">{formatCount(c.before)}</Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Td>files</Table.Td>
            <Table.Td className="num">{formatCount(certificate.deleted?.files?.deleted ?? 0)}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Stack gap="xs">
        <Text size="sm" fw={500}>
          Kept, and why
        </Text>
        {(certificate.kept ?? []).map((k) => (
          <Text key={k.what} size="sm">
            <b>{k.what}</b>: {k.why}
          </Text>
        ))}
        <Text size="sm">Backups taken before the erasure age out by {formatDateTime(certificate.backups?.holdDataUntil)}.</Text>
        <Text size="sm">Audit chain after the erasure: {certificate.auditChain?.ok ? 'verifies' : 'does NOT verify'}.</Text>
      </Stack>
    </SimpleGrid>
  );
}

export default function ClientDataPage() {
  const { clientId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const reauth = useReauth();
  const client = useClient(clientId);
  const exporting = useAction();
  const erasing = useAction();
  const [reason, setReason] = useState('');
  const [confirmName, setConfirmName] = useState('');
  const exportId = params.get('export');
  const erasureId = params.get('erasure');
  const watch = (key: string, id: string) => {
    const next = new URLSearchParams(params);
    next.set(key, id);
    setParams(next, { replace: true });
  };
  // Once erased the client is gone (404): the page keeps showing the certificate.
  if (!erasureId && client.error instanceof ApiError && (client.error.status === 404 || client.error.status === 400)) return <NotFoundPage what="client" />;
  const name = client.data?.name;
  return (
    <>
      <PageHeader crumbs={name ? [{ label: 'Clients', to: '/clients' }, { label: name, to: `/clients/${clientId}` }] : [{ label: 'Clients', to: '/clients' }]} title="Export or erase" subtitle={name} />
      <Stack>
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            Export everything about this client
          </Title>
          <Text size="sm" mb="sm">
            One ZIP with every row held about the client as JSON, the reconciliations as workbooks, the uploaded files, the client's audit events and a manifest with the SHA-256 of every file.
          </Text>
          <Group>
            <Button
              loading={exporting.busy}
              disabled={!name}
              onClick={() =>
                void exporting.run(async () => {
                  const { exportId: id } = await reauth(() => api.post<{ exportId: string }>(`/api/clients/${clientId}/exports`));
                  watch('export', id);
                })
              }
            >
              Request export
            </Button>
          </Group>
          {exporting.error ? <RefusalAlert error={exporting.error} title="No export" /> : null}
          {exportId ? (
            <div style={{ marginTop: 12 }}>
              <ExportStatus exportId={exportId} />
            </div>
          ) : null}
        </Card>
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            Erase this client
          </Title>
          {erasureId ? (
            <ErasureStatus erasureId={erasureId} />
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void erasing.run(async () => {
                  const { erasureId: id } = await reauth(() => api.post<{ erasureId: string }>(`/api/clients/${clientId}/erasure`, { reason: reason.trim(), confirmName }));
                  watch('erasure', id);
                });
              }}
            >
              <Stack>
                <Alert color="red" title="This cannot be undone">
                  Every row and file of the client is deleted, its portal users are signed out, and its running follow-ups and notices stop. What the law or the audit trail needs is kept, without personal data, and the certificate says what.
                </Alert>
                <Textarea label="Why is the client erased?" required maxLength={2000} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
                <TextInput label={`Type the client's name to confirm${name ? `: ${name}` : ''}`} required value={confirmName} onChange={(e) => setConfirmName(e.currentTarget.value)} autoComplete="off" />
                {erasing.error ? <RefusalAlert error={erasing.error} title="Not erased" /> : null}
                <Button type="submit" color="red" w="fit-content" loading={erasing.busy} disabled={!name || confirmName !== name || !reason.trim()}>
                  Erase the client
                </Button>
              </Stack>
            </form>
          )}
        </Card>
      </Stack>
    </>
  );
}
