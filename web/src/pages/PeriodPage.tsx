/**
 * One client's period: its close state, the evidence a close request binds to, the history of
 * requests and decisions, and the actions the person may take (request, approve, reject, withdraw,
 * reopen behind re-authentication).
 */
import { Alert, Anchor, Button, Card, Checkbox, Group, Modal, Select, Stack, Text, Textarea, Timeline, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { keys, useClient, usePeriod } from '../http/queries';
import { CAN, useUser } from '../http/session';
import type { CloseRequest, PeriodDetail, Run } from '../http/types';
import { PeriodBadge } from '../components/badges';
import { closeRefusal } from '../components/closeWords';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { useReauth } from '../components/Reauth';
import { decisionLine } from '../lib/close-history';
import { periodLabel } from '../../../domain/calendar/period-label';
import { closeNotYet, type CloseWindow } from '../lib/close-window';
import { formatCount, formatDateTime, formatPeriod, formatRupees } from '../lib/format';
import { notifyDone } from '../lib/notify';
import { NotFoundPage } from './NotFoundPage';

type Evidence = { run?: { id: string } };

/** What the request binds to: the period's latest imports and their reconciliation, with its figures. */
export function EvidenceView({ request }: { request: CloseRequest }) {
  const runId = (request.evidence as unknown as Evidence).run?.id ?? '';
  const run = useQuery({ queryKey: keys.run(runId), enabled: Boolean(runId), queryFn: () => api.get<Run>(`/api/reconciliations/${runId}`) });
  const s = run.data?.summary ?? null;
  return (
    <Stack gap={4}>
      <Text size="sm">
        The{' '}
        {runId ? (
          <Anchor component={Link} to={`/reconciliations/${runId}`} size="sm" underline="always">
            reconciliation
          </Anchor>
        ) : (
          'reconciliation'
        )}{' '}
        of the period's latest purchase register and GSTR-2B.
      </Text>
      {s ? (
        <Group gap="lg">
          <Text size="sm">
            ITC available <b>{formatRupees(s.itcAvailable)}</b>
          </Text>
          <Text size="sm">
            at risk <b>{formatRupees(s.itcAtRisk)}</b>
          </Text>
          {s.creditNotesNotIn2b ? (
            <Text size="sm">
              credit notes not yet in 2B <b>{formatRupees(s.creditNotesNotIn2b)}</b> (not at risk)
            </Text>
          ) : null}
          <Text size="sm">{formatCount(s.results)} rows</Text>
        </Group>
      ) : null}
    </Stack>
  );
}

type Refusal = { title: string; message: string };

/** Refusals after which the request is no longer pending: the page reloads it and says why. */
const ENDS_REQUEST = ['approval_stale', 'close_request_abandoned', 'close_request_not_pending'];

/**
 * Approve or reject. `onEnded`: the request ended some other way (stale, abandoned): the page shows
 * why in its own alert, as the card holding these buttons goes once it reloads.
 */
export function DecideButtons({ request, onDone, onEnded }: { request: CloseRequest; onDone: () => Promise<void>; onEnded?: (refusal: Refusal) => void }) {
  const [mode, setMode] = useState<'approve' | 'reject' | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setBusy(true);
    setError(null);
    try {
      if (mode === 'approve') await api.post(`/api/close-requests/${request.id}/approve`, text.trim() ? { note: text.trim() } : {});
      else await api.post(`/api/close-requests/${request.id}/reject`, { reason: text.trim() });
      notifyDone(mode === 'approve' ? 'Approved: the period is closed.' : 'Rejected: the period is open again.');
      setMode(null);
      await onDone();
    } catch (e) {
      const refusal = closeRefusal(e);
      setError(refusal);
      if (e instanceof ApiError && ENDS_REQUEST.includes(e.code)) {
        if (onEnded) {
          setMode(null);
          onEnded(refusal);
        }
        await onDone();
      }
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <Group>
        <Button color="green" onClick={() => setMode('approve')}>
          Approve
        </Button>
        <Button color="red" variant="light" onClick={() => setMode('reject')}>
          Reject
        </Button>
      </Group>
      {error && !mode ? (
        <Alert color="orange" title={error.title} role="alert" mt="sm">
          {error.message}
        </Alert>
      ) : null}
      <Modal opened={mode !== null} onClose={() => setMode(null)} title={mode === 'approve' ? 'Approve the close' : 'Reject the close'}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Stack>
            <Textarea
              label={mode === 'approve' ? 'Note (optional)' : 'Reason (required)'}
              required={mode === 'reject'}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              maxLength={2000}
              autosize
              minRows={3}
              data-autofocus
            />
            {error ? (
              <Alert color="orange" title={error.title} role="alert">
                {error.message}
              </Alert>
            ) : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setMode(null)}>
                Cancel
              </Button>
              <Button type="submit" color={mode === 'approve' ? 'green' : 'red'} loading={busy} disabled={mode === 'reject' && !text.trim()}>
                {mode === 'approve' ? 'Approve and close' : 'Reject'}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

/**
 * The close request. Until the API says the period is `closable` (its own date in India: the
 * browser's clock may be wrong, and the page refetches when shown again, so one left open across
 * midnight catches up) the button waits, disabled, with the first day it can be asked as its hint,
 * as the calendar's "Record filing" does: the API would refuse it (422 `period_not_ended`).
 */
function RequestClose({ clientId, period, window, onDone }: { clientId: string; period: string; window: CloseWindow; onDone: () => Promise<void> }) {
  // A quarterly filer's month inside a quarter is never closed on its own: no button, a pointer to its quarter.
  if (window.closesWith) {
    return (
      <Text size="sm" data-testid="close-opens">
        This month is closed with its quarter:{' '}
        <Anchor component={Link} to={`/clients/${clientId}/periods/${window.closesWith}`} underline="always">
          {periodLabel(window.closesWith, 'quarterly')}
        </Anchor>
        .
      </Text>
    );
  }
  return <RequestCloseForm clientId={clientId} period={period} window={window} onDone={onDone} />;
}

function RequestCloseForm({ clientId, period, window, onDone }: { clientId: string; period: string; window: CloseWindow; onDone: () => Promise<void> }) {
  const notYet = closeNotYet(window);
  const [note, setNote] = useState('');
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Stack gap="xs">
      <Textarea label="Note for the approver" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={2000} autosize minRows={2} placeholder="What was checked, what is pending with suppliers…" />
      {error ? (
        <Alert color="orange" title={error.title} role="alert">
          {error.message}
        </Alert>
      ) : null}
      <Group>
        <Button
          loading={busy}
          disabled={notYet !== null}
          aria-describedby={notYet ? 'close-opens' : undefined}
          onClick={() => {
            setBusy(true);
            setError(null);
            api
              .post(`/api/clients/${clientId}/periods/${period}/close`, note.trim() ? { note: note.trim() } : {})
              .then(async () => {
                notifyDone('Close requested: a manager will review it.');
                await onDone();
              })
              .catch((e: unknown) => setError(closeRefusal(e)))
              .finally(() => setBusy(false));
          }}
        >
          Request close
        </Button>
        {notYet ? (
          <Text size="sm" c="dimmed" id="close-opens" data-testid="close-opens">
            {notYet}
          </Text>
        ) : null}
      </Group>
    </Stack>
  );
}

function Reopen({ clientId, period, onDone }: { clientId: string; period: string; onDone: () => Promise<void> }) {
  const reauth = useReauth();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [code, setCode] = useState('correction');
  const [pastCutoff, setPastCutoff] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setBusy(true);
    setError(null);
    try {
      await reauth(() => api.post(`/api/clients/${clientId}/periods/${period}/reopen`, { reason: reason.trim(), reasonCode: code, ...(confirm ? { confirmPastCutoff: true } : {}) }));
      notifyDone('The period is reopened.');
      setOpen(false);
      await onDone();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'confirmation_required') setPastCutoff(String(e.details.cutoff ?? ''));
      else if (!(e instanceof ApiError && e.code === 'reauth_cancelled')) setError(closeRefusal(e).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <Button variant="light" color="grape" onClick={() => setOpen(true)}>
        Reopen period
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Reopen a closed period">
        <Stack>
          <Select
            label="Why"
            data={[
              { value: 'correction', label: 'Correction' },
              { value: 'notice', label: 'GST notice' },
              { value: 'late_document', label: 'Late document' },
              { value: 'audit', label: 'Audit' },
              { value: 'other', label: 'Other' },
            ]}
            value={code}
            onChange={(v) => v && setCode(v)}
            allowDeselect={false}
          />
          <Textarea label="Reason (required)" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={2000} autosize minRows={2} />
          {pastCutoff !== null ? (
            <Checkbox
              checked={confirm}
              onChange={(e) => setConfirm(e.currentTarget.checked)}
              label={`The correction cut-off of this financial year (${formatDateTime(pastCutoff)}) has passed. Reopen anyway.`}
            />
          ) : null}
          {error ? (
            <Text c="red" size="sm" role="alert">
              {error}
            </Text>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button color="grape" loading={busy} disabled={!reason.trim() || (pastCutoff !== null && !confirm)} onClick={() => void submit()}>
              Reopen
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** Withdraw a pending request (shown only to who may: the server's `canWithdraw`); a refusal goes to the page's alert. */
function WithdrawButton({ request, onDone, onRefused }: { request: CloseRequest; onDone: () => Promise<void>; onRefused: (refusal: Refusal | null) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="subtle"
      loading={busy}
      onClick={() => {
        setBusy(true);
        onRefused(null);
        api
          .post(`/api/close-requests/${request.id}/withdraw`, {})
          .then(async () => {
            notifyDone('Withdrawn.');
            await onDone();
          })
          .catch(async (e: unknown) => {
            onRefused(closeRefusal(e));
            if (e instanceof ApiError && ENDS_REQUEST.includes(e.code)) await onDone();
          })
          .finally(() => setBusy(false));
      }}
    >
      Withdraw
    </Button>
  );
}

const STATUS_WORDS: Record<CloseRequest['status'], string> = {
  pending: 'waiting for a decision',
  approved: 'approved',
  rejected: 'rejected',
  withdrawn: 'withdrawn',
  stale: 'outdated (the data changed)',
  expired: 'expired',
  abandoned: 'abandoned (its workflow ended without a decision)',
};

function History({ detail, portal }: { detail: PeriodDetail; portal: boolean }) {
  if (!detail.closeRequests.length) return <Text c="dimmed" size="sm">No close was requested yet.</Text>;
  return (
    <Timeline bulletSize={14} lineWidth={2} active={detail.closeRequests.length}>
      {[...detail.closeRequests].reverse().map((r) => (
        <Timeline.Item key={r.id} title={`Close requested${portal || !r.requestedBy ? '' : ` by ${r.requestedBy.email}`} · ${STATUS_WORDS[r.status] ?? r.status}`}>
          <Text size="xs" c="dimmed">
            {formatDateTime(r.requestedAt)}
          </Text>
          {!portal && r.note ? <Text size="sm">“{r.note}”</Text> : null}
          {r.decision ? (
            <Text size="sm" mt={4}>
              {decisionLine(r, portal)}
            </Text>
          ) : null}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

export default function PeriodPage() {
  const { clientId = '', period = '' } = useParams();
  const user = useUser();
  const client = useClient(clientId);
  const detail = usePeriod(clientId, period);
  const queryClient = useQueryClient();
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: keys.client(clientId) });
    await queryClient.invalidateQueries({ queryKey: keys.approvals });
    await queryClient.invalidateQueries({ queryKey: keys.firmPeriods });
  };

  if (detail.error instanceof ApiError && (detail.error.status === 404 || detail.error.status === 400)) return <NotFoundPage what="period" />;
  const d = detail.data;
  const pending = d?.closeRequests.find((r) => r.status === 'pending') ?? null;
  const portal = !CAN.isFirmStaff(user.role);
  return (
    <>
      <PageHeader
        crumbs={[...(portal ? [] : [{ label: 'Clients', to: '/clients' }]), { label: client.data?.name ?? 'Client', to: `/clients/${clientId}` }]}
        title={d?.periodLabel ?? formatPeriod(period)}
        subtitle={d ? <PeriodBadge state={d.state} /> : undefined}
      />
      <QueryState query={detail} label="the period">
        {(data) => (
          <Stack>
            {refusal ? (
              <Alert color="orange" title={refusal.title} role="alert" withCloseButton onClose={() => setRefusal(null)}>
                {refusal.message}
              </Alert>
            ) : null}
            {pending && !portal ? (
              <Card withBorder>
                <Title order={3} size="h4" mb="xs">
                  Close request waiting for a decision
                </Title>
                <Text size="sm" mb="xs">
                  Requested by {pending.requestedBy?.email} on {formatDateTime(pending.requestedAt)}
                  {pending.note ? `: “${pending.note}”` : ''}
                </Text>
                <EvidenceView request={pending} />
                <Group mt="md">
                  {/* The server's rules for this person and request: another manager or firm admin decides; staff withdraw only their own. */}
                  {pending.canDecide ? <DecideButtons request={pending} onDone={refresh} onEnded={setRefusal} /> : null}
                  {pending.canWithdraw ? <WithdrawButton request={pending} onDone={refresh} onRefused={setRefusal} /> : null}
                </Group>
                {!pending.canDecide && CAN.approve(user.role) ? (
                  <Text size="sm" c="dimmed" mt="xs">
                    You asked for this close: another manager or a firm admin decides it.
                  </Text>
                ) : null}
              </Card>
            ) : null}
            {(data.state === 'open' || data.state === 'reopened') && CAN.prepare(user.role) ? (
              <Card withBorder>
                <Title order={3} size="h4" mb="xs">
                  Ready to close?
                </Title>
                <Text size="sm" c="dimmed" mb="xs">
                  The request binds to the period's latest imports and their completed reconciliation. If they change before a manager decides, the request becomes outdated.
                </Text>
                {data.warnings?.length ? (
                  <Alert color="yellow" title="Check the period's files before closing" mb="xs">
                    {data.warnings.map((w) => (
                      <Text key={`${w.importId}-${w.code}`} size="sm">
                        {w.kind === 'gstr2b' ? 'GSTR-2B' : w.kind === 'gstr2a' ? 'GSTR-2A' : 'Purchase register'}: {w.message}
                      </Text>
                    ))}
                  </Alert>
                ) : null}
                <RequestClose clientId={clientId} period={period} window={data} onDone={refresh} />
              </Card>
            ) : null}
            {data.state === 'closed' ? (
              <Alert color="green" title="This period is closed">
                Closed {formatDateTime(data.closedAt)}. Imports and reconciliations of a closed period cannot change.
                {CAN.reopen(user.role) ? (
                  <Group mt="sm">
                    <Reopen clientId={clientId} period={period} onDone={refresh} />
                  </Group>
                ) : null}
              </Alert>
            ) : null}
            <Card withBorder>
              <Title order={3} size="h4" mb="sm">
                History
              </Title>
              <History detail={data} portal={portal} />
            </Card>
          </Stack>
        )}
      </QueryState>
    </>
  );
}
