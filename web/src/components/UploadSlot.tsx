/**
 * One file to upload, by drag and drop or the file picker: asks the API for a signed upload URL,
 * PUTs the file with progress, then shows what the server said — rows and warnings (a file uploaded
 * before is flagged), or the refusal with each problem's row and field.
 */
import { Alert, Badge, Group, Progress, Stack, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { issueFieldLabel, portalPlace } from '../../../domain/recon/labels';
import { api, ApiError, uploadFile } from '../http/client';
import { keys } from '../http/queries';
import type { ImportKind, ImportRecord, Issue } from '../http/types';
import { formatCount, formatDateTime } from '../lib/format';
import { errorText } from './QueryState';

export type Uploaded = { importId: string; rows: number; filename: string; duplicate: boolean; at: string | null; warnings: Issue[] };

type State =
  | { step: 'idle' }
  | { step: 'uploading'; filename: string; fraction: number }
  | { step: 'done'; result: Uploaded; warnings: Issue[] }
  | { step: 'failed'; filename: string; message: string; issues: Issue[] };

/**
 * Where a problem is, in the words of the file the person has open: a CSV's line, an XLSX's sheet
 * and row (the API's `rowRef` is `file:sheet:row`), a portal document's section, supplier entry and
 * document, counted from 1 as a person counts.
 */
export function issuePlace(i: Issue): string {
  const parts: string[] = [];
  const sheetRow = i.rowRef ? /^.+:(.+):(\d+)$/.exec(i.rowRef) : null;
  if (sheetRow) parts.push(`sheet ${sheetRow[1]}, row ${sheetRow[2]}`);
  else if (i.line !== undefined) parts.push(`line ${i.line}`);
  else if (i.rowRef) parts.push(`line ${i.rowRef.slice(i.rowRef.lastIndexOf(':') + 1)}`);
  const portal = portalPlace(i);
  if (portal) parts.push(portal);
  return parts.join(', ') || '—';
}

/**
 * The column as the file names it when the reader knows it, else the field in words: a portal
 * file's key (`txval`, `ctin`) as the portal's Excel names it ("Taxable value", "Supplier GSTIN").
 */
export function issueField(i: Issue, kind: ImportKind): string {
  if (!i.column && !i.field) return '—';
  return issueFieldLabel(i, kind === 'purchase_register' ? 'register' : 'portal');
}

const SHOWN = 50;

function IssueTable({ issues, label, kind }: { issues: Issue[]; label: string; kind: ImportKind }) {
  return (
    <>
      <Table fz="xs" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Where</Table.Th>
            <Table.Th>Field</Table.Th>
            <Table.Th>Problem</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {issues.slice(0, SHOWN).map((i, n) => (
            <Table.Tr key={n}>
              <Table.Td>{issuePlace(i)}</Table.Td>
              <Table.Td>{issueField(i, kind)}</Table.Td>
              <Table.Td>
                {i.message}
                {i.count && i.count > 1 ? ` (${formatCount(i.count)} times)` : ''}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {issues.length > SHOWN ? (
        <Text size="xs" c="dimmed">
          The first {SHOWN} of {formatCount(issues.length)} listed.
        </Text>
      ) : null}
    </>
  );
}

export function UploadSlot(props: {
  clientId: string;
  period: string;
  kind: ImportKind;
  title: string;
  hint: string;
  accept: string;
  existing: ImportRecord | null;
  disabled?: boolean;
  onUploaded: (u: Uploaded | null) => void;
}) {
  const [state, setState] = useState<State>({ step: 'idle' });
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const queryClient = useQueryClient();
  // One file at a time, and none while the period is not a month: a second drop during an upload
  // would race the first for the slot (and leave two imports), and a file for no period is refused.
  const blocked = Boolean(props.disabled) || state.step === 'uploading';

  async function send(file: File) {
    if (blocked) return;
    setState({ step: 'uploading', filename: file.name, fraction: 0 });
    props.onUploaded(null);
    let created: { importId: string; uploadUrl: string } | null = null;
    try {
      created = await api.post<{ importId: string; uploadUrl: string }>(`/api/clients/${props.clientId}/imports`, {
        kind: props.kind,
        period: props.period,
        filename: file.name,
        contentType: file.type || 'application/octet-stream',
        size: file.size,
      });
      const body = await uploadFile(created.uploadUrl, file, (fraction) => setState({ step: 'uploading', filename: file.name, fraction }));
      const warnings = (body.warnings as Issue[]) ?? [];
      const result: Uploaded = { importId: created.importId, rows: Number(body.rows ?? 0), filename: file.name, duplicate: Boolean(body.duplicateOf), at: new Date().toISOString(), warnings };
      setState({ step: 'done', result, warnings });
      props.onUploaded(result);
      // The client's imports now hold this file: the page's "on file" and the client's Imports tab
      // read it from there (after a change of period and back, say).
      void queryClient.invalidateQueries({ queryKey: keys.imports(props.clientId) });
    } catch (e) {
      const issues = e instanceof ApiError ? ((e.details.errors as Issue[]) ?? []) : [];
      setState({ step: 'failed', filename: file.name, message: errorText(e), issues });
      // Once created, the import is on record however the upload ended (a refused file is kept as
      // `rejected` with its errors, an unfinished one waits or expires): the Imports tab lists it.
      if (created) void queryClient.invalidateQueries({ queryKey: keys.imports(props.clientId) });
      // Closed since the page read it: the page asks again, and says so for both files and the run.
      if (e instanceof ApiError && e.code === 'period_closed') void queryClient.invalidateQueries({ queryKey: keys.period(props.clientId, props.period) });
    }
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file && !blocked) void send(file);
  }
  function onKey(e: KeyboardEvent) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (!blocked) input.current?.click();
    }
  }

  const existing = props.existing;
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Text fw={600}>{props.title}</Text>
        {state.step === 'done' ? <Badge color="green">Validated</Badge> : existing && state.step === 'idle' ? <Badge color="green" variant="light">On file</Badge> : null}
      </Group>
      <div
        className="dropzone"
        data-over={over}
        role="button"
        tabIndex={0}
        aria-label={`${props.title}: drop a file here or press Enter to choose one`}
        aria-disabled={blocked}
        onClick={() => !blocked && input.current?.click()}
        onKeyDown={onKey}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <Text size="sm" fw={500}>
          Drop the file here, or click to choose
        </Text>
        <Text size="xs" c="dimmed">
          {props.hint}
        </Text>
        <input
          ref={input}
          type="file"
          accept={props.accept}
          hidden
          data-testid={`file-${props.kind}`}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void send(file);
            e.currentTarget.value = '';
          }}
        />
      </div>
      {state.step === 'idle' && existing ? (
        <Text size="xs" c="dimmed">
          Using {existing.filename} ({formatCount(existing.rows)} rows, uploaded {formatDateTime(existing.uploadedAt)}). Drop a new file to replace it.
        </Text>
      ) : null}
      {state.step === 'uploading' ? (
        <div>
          <Text size="xs">Uploading {state.filename}…</Text>
          <Progress value={state.fraction * 100} size="md" animated aria-label={`Upload progress ${Math.round(state.fraction * 100)}%`} />
        </div>
      ) : null}
      {state.step === 'done' ? (
        <Stack gap={4}>
          <Text size="sm" c="green.8" role="status">
            {state.result.filename}: {formatCount(state.result.rows)} documents read.
          </Text>
          {state.result.duplicate ? (
            <Alert color="yellow" variant="light" p="xs">
              This exact file was uploaded before. Its rows are used again; nothing is counted twice.
            </Alert>
          ) : null}
          {state.warnings.filter((w) => w.code !== 'duplicate_upload').length ? <IssueTable issues={state.warnings.filter((w) => w.code !== 'duplicate_upload')} label="Warnings" kind={props.kind} /> : null}
        </Stack>
      ) : null}
      {state.step === 'failed' ? (
        <Alert color="red" title={`${state.filename} was not accepted`} role="alert">
          <Text size="sm" mb="xs">
            {state.message}
          </Text>
          {state.issues.length ? <IssueTable issues={state.issues} label="Problems in the file" kind={props.kind} /> : null}
          {existing ? (
            <Text size="sm" mt="xs">
              The file on record is still the one used: {existing.filename} ({formatCount(existing.rows)} rows, uploaded {formatDateTime(existing.uploadedAt)}).
            </Text>
          ) : null}
        </Alert>
      ) : null}
    </Stack>
  );
}

