/**
 * One GST notice: its dates (statutory, extended, our target) with the days left, the other clocks
 * of the law, flags and amounts; the reply draft and the review (four eyes); the filing's ARN; its
 * papers (uploaded here, downloadable); the other notices of its case (and moving the reply to one of
 * them); hearings; the reminders and escalations the API planned; the history.
 */
import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../http/client';
import { keys, useClient, useNotice } from '../http/queries';
import { CAN, useUser } from '../http/session';
import type { NoticeDetail } from '../http/types';
import { NoticeStateBadge } from '../components/badges';
import { AdjournButton, DraftEditor, NoticeActions } from '../components/NoticeActions';
import { NoticeCase } from '../components/NoticeCase';
import { NoticeDocuments } from '../components/NoticeDocuments';
import { mayEditDates, NoticeDatesEdit } from '../components/notices/NoticeDatesEdit';
import { NoticeHistory } from '../components/notices/NoticeHistory';
import { NoticeSteps } from '../components/notices/NoticeSteps';
import { filedReplyNote } from '../components/notices/client-reply';
import { DaysLeft, FLAG_LABEL } from '../components/NoticeList';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { formatDate, formatDateTime, formatPeriod, formatRupees } from '../lib/format';
import { NotFoundPage } from './NotFoundPage';

const SOURCE: Record<string, string> = { notice: 'as printed on the notice', computed: "counted from the form's window", manual: 'entered by hand' };
const CLOCK: Record<string, string> = { penalty_saving: 'Penalty-saving window ends', appeal_due: 'Appeal due', condonation_end: 'Condonation window ends', limitation_end: 'Limitation ends' };

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={220}>{label}</Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

function clockLabel(c: NoticeDetail['clocks'][number]): string {
  const label = CLOCK[c.kind] ?? c.kind;
  return c.financialYears?.length ? `${label} (FY ${c.financialYears.join(', FY ')})` : label;
}

/** `firm`: the firm's own view; a client's users have no internal target date (the API sends it empty). */
function Dates({ n, firm }: { n: NoticeDetail; firm: boolean }) {
  const done = n.state === 'filed' || n.state === 'closed';
  return (
    <Table aria-label="Dates and clocks" data-testid="notice-dates">
      <Table.Tbody>
        <Row label="Served on">{formatDate(n.servedOn)}</Row>
        <Row label="Statutory due date">
          <Group gap="xs">
            {formatDate(n.statutoryDueDate)}
            {n.dueDateSource ? <Text size="xs" c="dimmed">{SOURCE[n.dueDateSource]}</Text> : null}
          </Group>
        </Row>
        {n.extendedDueDate ? <Row label="Extended to">{formatDate(n.extendedDueDate)}</Row> : null}
        <Row label="Due">
          <Group gap="xs">
            {formatDate(n.effectiveDueDate)} <DaysLeft date={n.effectiveDueDate} done={done} />
          </Group>
        </Row>
        {firm ? <Row label="Our target">{formatDate(n.targetDate)}</Row> : null}
        {n.clocks.map((c, i) => (
          // A notice on years under different sections has one clock of a kind per year or section.
          <Row key={`${c.kind}:${i}`} label={clockLabel(c)}>
            <Group gap="xs">
              {formatDate(c.date)} <DaysLeft date={c.date} done={n.state === 'closed'} />
            </Group>
            <Text size="xs" c="dimmed">
              {c.note}
            </Text>
          </Row>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/**
 * The reply as a client's own users see it (docs/notices.md, "What a client's users see"): nothing
 * while the firm works on it, then the reply as filed: its text when it was drafted in Taalmel, else
 * whether a copy is among the documents.
 */
function ClientReply({ n }: { n: NoticeDetail }) {
  if (!n.reply) {
    return (
      <Text size="sm" c="dimmed" data-testid="client-reply">
        The reply is shown here once it is filed.
      </Text>
    );
  }
  return (
    <Stack gap="xs" data-testid="client-reply">
      <Text size="sm">
        Filed on {formatDate(n.reply.filedOn)} · ARN <span className="mono">{n.reply.arn}</span>
      </Text>
      {n.reply.text ? (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {n.reply.text}
        </Text>
      ) : (
        <Text size="sm" c="dimmed">
          {filedReplyNote(n)}
        </Text>
      )}
    </Stack>
  );
}

function Facts({ n }: { n: NoticeDetail }) {
  return (
    <Table aria-label="The notice">
      <Table.Tbody>
        <Row label="Form">
          {n.form} — {n.formTitle}
        </Row>
        <Row label="Periods">{n.periods.length ? n.periods.map(formatPeriod).join(', ') : '—'}</Row>
        <Row label="Tax · interest · penalty">
          {formatRupees(n.amounts.tax)} · {formatRupees(n.amounts.interest)} · {formatRupees(n.amounts.penalty)}
        </Row>
        <Row label="Total demand">{formatRupees(n.amounts.total)}</Row>
        {n.caseId ? (
          <Row label="Case">
            <span className="mono">{n.caseId}</span>
          </Row>
        ) : null}
        {n.din ? (
          <Row label="DIN">
            <span className="mono">{n.din}</span>
          </Row>
        ) : null}
        {n.financialYears?.length ? <Row label="Financial years">{n.financialYears.map((fy) => `FY ${fy}`).join(', ')}</Row> : null}
        {n.sections?.length ? <Row label="Sections">{n.sections.join(', ')}</Row> : null}
        {n.issuedOn ? <Row label="Issued on">{formatDate(n.issuedOn)}</Row> : null}
        {n.issuingOffice ? <Row label="Issuing office">{n.issuingOffice}</Row> : null}
        {n.reply ? (
          <Row label="Filed">
            {formatDate(n.reply.filedOn)} · ARN <span className="mono">{n.reply.arn}</span>
            {n.reply.filedOutside ? ' · outside Taalmel' : ''}
          </Row>
        ) : null}
        {n.outcome ? <Row label="Outcome">{n.outcome.outcome}</Row> : null}
        {n.description ? <Row label="About">{n.description}</Row> : null}
      </Table.Tbody>
    </Table>
  );
}

export default function NoticePage() {
  const { noticeId = '' } = useParams();
  const user = useUser();
  const notice = useNotice(noticeId);
  const client = useClient(notice.data?.clientId ?? '');
  const queryClient = useQueryClient();
  const [editingDates, setEditingDates] = useState(false);
  // A client's own users get the reduced view: no drafts, plan, target date or adjournments of the firm's working.
  const firm = CAN.isFirmStaff(user.role);
  if (notice.error instanceof ApiError && (notice.error.status === 404 || notice.error.status === 400)) return <NotFoundPage what="notice" />;
  const n = notice.data;
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: keys.notices }), queryClient.invalidateQueries({ queryKey: keys.approvals })]);
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Notices', to: '/notices' }]}
        title={n ? `${n.form} · ${n.reference}` : 'Notice'}
        subtitle={
          n ? (
            <Group gap="xs">
              <NoticeStateBadge state={n.state} />
              <Anchor component={Link} to={`/clients/${n.clientId}`} size="sm">
                {client.data?.name ?? 'Client'}
              </Anchor>
              {n.flags.map((f) => (
                <Badge key={f} size="sm" color={f === 'no_due_date' ? 'red' : 'orange'} variant="light">
                  {FLAG_LABEL[f] ?? f}
                </Badge>
              ))}
            </Group>
          ) : undefined
        }
      />
      <QueryState query={notice} label="the notice">
        {(data) => (
          <Stack>
            <NoticeActions n={data} onDone={refresh} />
            {data.flags.includes('no_due_date') ? (
              <Alert color="red" title="No due date known" data-testid="no-due-date">
                <Stack gap="xs" align="flex-start">
                  <Text size="sm">This form's reply date is only on the notice. Set the due date (or a target date) before drafting.</Text>
                  {mayEditDates(user.role, data) ? (
                    <Button size="xs" color="red" onClick={() => setEditingDates(true)}>
                      Set the due date
                    </Button>
                  ) : null}
                </Stack>
              </Alert>
            ) : null}
            {editingDates ? <NoticeDatesEdit n={data} onDone={refresh} onClose={() => setEditingDates(false)} /> : null}
            <SimpleGrid cols={{ base: 1, lg: 2 }}>
              <Card withBorder>
                <Group justify="space-between" mb="sm">
                  <Title order={2} size="h4">
                    Dates and clocks
                  </Title>
                  {mayEditDates(user.role, data) ? (
                    <Button variant="light" size="xs" onClick={() => setEditingDates(true)}>
                      Change dates
                    </Button>
                  ) : null}
                </Group>
                <Dates n={data} firm={firm} />
              </Card>
              <Card withBorder>
                <Title order={2} size="h4" mb="sm">
                  The notice
                </Title>
                <Facts n={data} />
              </Card>
            </SimpleGrid>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                Reply
              </Title>
              {firm ? (
                <Stack>
                  <DraftEditor key={data.drafts.length} n={data} onDone={refresh} />
                  {data.state === 'in_review' ? (
                    <Text size="sm">
                      {data.canReviewReason === 'own_reply' ? 'You drafted this reply: another manager or firm admin reviews it (four eyes).' : 'The reply is with a manager for review. Whoever drafted it cannot approve it.'}
                    </Text>
                  ) : null}
                  {data.drafts.length ? (
                    <Table aria-label="Draft versions">
                      <Table.Tbody>
                        {[...data.drafts].reverse().map((d) => (
                          <Table.Tr key={d.id}>
                            <Table.Td w={120}>version {d.version}</Table.Td>
                            <Table.Td w={200}>{formatDateTime(d.createdAt)}</Table.Td>
                            <Table.Td>
                              <Text size="sm" lineClamp={3} style={{ whiteSpace: 'pre-wrap' }}>
                                {d.text}
                              </Text>
                            </Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  ) : null}
                  {data.reviews.map((r) => (
                    <Alert key={r.id} color={r.decision === 'approved' ? 'green' : 'orange'} title={`${r.decision === 'approved' ? 'Approved' : 'Changes requested'} (version ${r.draftVersion}) · ${formatDateTime(r.createdAt)}`}>
                      {r.comment ?? 'No comment.'}
                    </Alert>
                  ))}
                </Stack>
              ) : (
                <ClientReply n={data} />
              )}
            </Card>
            <SimpleGrid cols={{ base: 1, lg: data.caseId ? 2 : 1 }}>
              <Card withBorder>
                <Title order={2} size="h4" mb="sm">
                  Documents
                </Title>
                <NoticeDocuments n={data} onDone={refresh} />
              </Card>
              {data.caseId ? (
                <Card withBorder>
                  <Title order={2} size="h4" mb="sm">
                    The case
                  </Title>
                  <NoticeCase n={data} onDone={refresh} />
                </Card>
              ) : null}
            </SimpleGrid>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                Hearings
              </Title>
              {data.hearings.length ? (
                <Table aria-label="Hearings">
                  <Table.Tbody>
                    {data.hearings.map((h) => (
                      <Table.Tr key={h.id} data-testid="hearing-row">
                        <Table.Td>{formatDateTime(h.at)}</Table.Td>
                        <Table.Td>{h.place ?? '—'}</Table.Td>
                        {firm ? (
                          <Table.Td>
                            {h.adjournments ? `adjourned ${h.adjournments}×${h.lastReason ? `: ${h.lastReason}` : ''}` : 'not adjourned'}
                          </Table.Td>
                        ) : null}
                        <Table.Td>
                          <AdjournButton n={data} h={h} onDone={refresh} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              ) : (
                <Text size="sm" c="dimmed">
                  No hearing yet.
                </Text>
              )}
            </Card>
            {firm ? (
              <SimpleGrid cols={{ base: 1, lg: 2 }}>
                <Card withBorder>
                  <Title order={2} size="h4" mb="sm">
                    Reminders
                  </Title>
                  <NoticeSteps steps={data.reminders} label="Reminders" />
                </Card>
                <Card withBorder>
                  <Title order={2} size="h4" mb="sm">
                    Escalations
                  </Title>
                  <NoticeSteps steps={data.escalations} label="Escalations" />
                </Card>
              </SimpleGrid>
            ) : null}
            {data.history.length ? (
              <Card withBorder>
                <Title order={2} size="h4" mb="sm">
                  History
                </Title>
                <NoticeHistory history={data.history} />
              </Card>
            ) : null}
          </Stack>
        )}
      </QueryState>
    </>
  );
}
