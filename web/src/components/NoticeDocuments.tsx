/**
 * A notice's papers: the list of what arrived (each one downloadable) and, for the firm's staff while
 * the notice is open, an upload in the API's two steps — declare the file (kind, name, type, size)
 * and get a signed single-use URL, then PUT the bytes to it with progress. The server decides what it
 * accepts (type by content, size cap): its refusal is shown as it came. One upload at a time: a
 * double click sends one file, not two.
 */
import { Alert, Anchor, Badge, Button, FileButton, Group, Progress, Select, Stack, Table, Text } from '@mantine/core';
import { useRef, useState } from 'react';
import { CLIENT_FILE_TYPES, isClientFileType } from '../../../domain/follow-ups/file-types';
import { api, ApiError, uploadFile } from '../http/client';
import { CAN, useUser } from '../http/session';
import { NOTICE_DOCUMENT_KINDS, type NoticeDetail, type NoticeDocument, type NoticeDocumentKind } from '../http/types';
import { formatBytes, formatDateTime } from '../lib/format';
import { errorText } from './QueryState';

export const DOCUMENT_KIND_LABEL: Record<NoticeDocumentKind, string> = {
  notice: 'The notice',
  working_paper: 'Working paper',
  reply: 'Reply as filed',
  order: 'Order',
  evidence: 'Evidence of a reply',
};

const ACCEPT = '.pdf,.png,.jpg,.jpeg,.xlsx,.csv';
const BY_EXTENSION: Record<string, string> = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv' };

/** The type to declare: the browser's when it is one the API takes, else the one the name implies, else the browser's (and the API says no). */
export function declaredType(file: { name: string; type: string }): string {
  if (isClientFileType(file.type)) return file.type;
  const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
  return BY_EXTENSION[extension] ?? (file.type || 'application/octet-stream');
}

type Upload =
  | { step: 'idle' }
  | { step: 'uploading'; filename: string; fraction: number }
  | { step: 'done'; document: NoticeDocument }
  | { step: 'failed'; filename: string; size: number; error: unknown };

function Refusal({ upload }: { upload: Extract<Upload, { step: 'failed' }> }) {
  const e = upload.error;
  const why = e instanceof ApiError && e.status === 413 ? `It is ${formatBytes(upload.size)}. ` : '';
  return (
    <Alert color="red" title={`${upload.filename} was not accepted`} role="alert">
      <Text size="sm">
        {why}
        {errorText(e)}
      </Text>
      {e instanceof ApiError && e.status !== 0 ? (
        <Text size="xs" c="dimmed" mt={4}>
          {e.status} · {e.code}
        </Text>
      ) : null}
    </Alert>
  );
}

function UploadForm({ n, onDone }: { n: NoticeDetail; onDone: () => Promise<unknown> }) {
  const [kind, setKind] = useState<NoticeDocumentKind>(n.documents.some((d) => d.kind === 'notice') ? 'working_paper' : 'notice');
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<Upload>({ step: 'idle' });
  // Set before the first await: a second click of the same gesture finds it taken.
  const inFlight = useRef(false);
  // The picker forgets its choice once we hold it: choosing the same file again (as another kind, say) still counts.
  const resetPicker = useRef<() => void>(null);

  async function send() {
    if (!file || inFlight.current) return;
    inFlight.current = true;
    setUpload({ step: 'uploading', filename: file.name, fraction: 0 });
    try {
      const declared = await api.post<{ documentId: string; uploadUrl: string }>(`/api/notices/${n.id}/documents`, { kind, filename: file.name, contentType: declaredType(file), size: file.size });
      const stored = await uploadFile(declared.uploadUrl, file, (fraction) => setUpload({ step: 'uploading', filename: file.name, fraction }));
      setUpload({ step: 'done', document: stored as unknown as NoticeDocument });
      setFile(null);
      await onDone();
    } catch (error) {
      setUpload({ step: 'failed', filename: file.name, size: file.size, error });
    } finally {
      inFlight.current = false;
    }
  }

  const busy = upload.step === 'uploading';
  return (
    <Stack gap="xs">
      <Group align="flex-end" gap="xs">
        <Select
          label="Kind of paper"
          data={NOTICE_DOCUMENT_KINDS.map((k) => ({ value: k, label: DOCUMENT_KIND_LABEL[k] }))}
          value={kind}
          onChange={(v) => v && setKind(v as NoticeDocumentKind)}
          allowDeselect={false}
          w={220}
          disabled={busy}
        />
        <FileButton
          resetRef={resetPicker}
          onChange={(chosen) => {
            setFile(chosen);
            resetPicker.current?.();
          }}
          accept={ACCEPT}
          disabled={busy}
          inputProps={{ 'aria-label': 'File to upload', 'data-testid': 'notice-document-file' } as Record<string, string>}
        >
          {(props) => (
            <Button variant="default" {...props}>
              Choose a file
            </Button>
          )}
        </FileButton>
        <Button onClick={() => void send()} loading={busy} disabled={!file}>
          Upload
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        {file ? `${file.name} · ${formatBytes(file.size)}` : `${Object.values(CLIENT_FILE_TYPES).join(', ')}; checked by its content.`}
      </Text>
      {upload.step === 'uploading' ? (
        <div>
          <Text size="xs">Uploading {upload.filename}…</Text>
          <Progress value={upload.fraction * 100} size="md" animated aria-label={`Upload progress ${Math.round(upload.fraction * 100)}%`} />
        </div>
      ) : null}
      {upload.step === 'done' ? (
        <Text size="sm" fw={500} role="status">
          {upload.document.filename} uploaded ({formatBytes(upload.document.size ?? 0)}).
        </Text>
      ) : null}
      {upload.step === 'failed' ? <Refusal upload={upload} /> : null}
    </Stack>
  );
}

export function NoticeDocuments({ n, onDone }: { n: NoticeDetail; onDone: () => Promise<unknown> }) {
  const user = useUser();
  const mayUpload = CAN.prepare(user.role) && n.state !== 'closed';
  return (
    <Stack>
      {n.documents.length ? (
        <Table aria-label="Documents">
          <Table.Tbody>
            {n.documents.map((d) => (
              <Table.Tr key={d.id} data-testid="notice-document">
                <Table.Td>
                  <Anchor href={`/api/notices/${n.id}/documents/${d.id}`} size="sm">
                    {d.filename}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color="gray">
                    {DOCUMENT_KIND_LABEL[d.kind] ?? d.kind}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {d.size === null ? '—' : formatBytes(d.size)} · {formatDateTime(d.receivedAt)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          No document yet.
        </Text>
      )}
      {mayUpload ? <UploadForm n={n} onDone={onDone} /> : null}
    </Stack>
  );
}
