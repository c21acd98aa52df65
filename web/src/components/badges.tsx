import { Badge } from '@mantine/core';
import { CATEGORY_LABELS } from '../../../domain/recon/labels';
import type { Category, FollowUpStatus, NoticeState, PeriodState, Run } from '../http/types';

const PERIOD: Record<PeriodState, { label: string; color: string }> = {
  open: { label: 'Open', color: 'gray' },
  close_requested: { label: 'Waiting for approval', color: 'orange' },
  closed: { label: 'Closed', color: 'green' },
  reopened: { label: 'Reopened', color: 'grape' },
};

export function PeriodBadge({ state }: { state: PeriodState }) {
  const s = PERIOD[state] ?? { label: state, color: 'gray' };
  return (
    <Badge color={s.color} variant="light">
      {s.label}
    </Badge>
  );
}

const RUN: Record<Run['status'], string> = { queued: 'gray', running: 'blue', completed: 'green', failed: 'red' };

export function RunBadge({ status }: { status: Run['status'] }) {
  return (
    <Badge color={RUN[status]} variant="light">
      {status}
    </Badge>
  );
}

/** The same words as the exports: one mapping for the app and the workbook. */
export const CATEGORY_LABEL: Readonly<Record<Category, string>> = CATEGORY_LABELS;

const CATEGORY_COLOR: Record<Category, string> = {
  exact_match: 'green',
  probable_match: 'teal',
  mismatch: 'orange',
  manual_match: 'cyan',
  missing_in_2b: 'red',
  missing_in_books: 'grape',
  duplicate_in_books: 'yellow',
  out_of_scope: 'gray',
  superseded: 'gray',
};

export function CategoryBadge({ category }: { category: Category }) {
  return (
    <Badge color={CATEGORY_COLOR[category]} variant="light" size="sm">
      {CATEGORY_LABEL[category] ?? category}
    </Badge>
  );
}

const FOLLOW_UP: Record<FollowUpStatus, { label: string; color: string }> = {
  open: { label: 'Open', color: 'blue' },
  snoozed: { label: 'Snoozed', color: 'yellow' },
  completed: { label: 'Completed', color: 'green' },
  cancelled: { label: 'Cancelled', color: 'gray' },
  exhausted: { label: 'Reminders used up', color: 'red' },
};

export function FollowUpBadge({ status }: { status: FollowUpStatus }) {
  const s = FOLLOW_UP[status] ?? { label: status, color: 'gray' };
  return (
    <Badge color={s.color} variant="light">
      {s.label}
    </Badge>
  );
}

export const NOTICE_STATE_LABEL: Record<NoticeState, string> = {
  received: 'Received',
  assigned: 'Assigned',
  drafting: 'Drafting',
  in_review: 'In review',
  approved: 'Approved',
  filed: 'Filed',
  closed: 'Closed',
};
const NOTICE_COLOR: Record<NoticeState, string> = { received: 'gray', assigned: 'blue', drafting: 'indigo', in_review: 'orange', approved: 'teal', filed: 'green', closed: 'gray' };

export function NoticeStateBadge({ state }: { state: NoticeState }) {
  return (
    <Badge color={NOTICE_COLOR[state] ?? 'gray'} variant="light">
      {NOTICE_STATE_LABEL[state] ?? state}
    </Badge>
  );
}

/** A plan step's status (follow-up messages and escalations, notice reminders). */
export function StepBadge({ status }: { status: string }) {
  // Dark shades: an outline badge's text is its colour on white, and the light shades fail WCAG AA contrast.
  const color = status === 'sent' || status === 'merged' ? 'teal.9' : status === 'planned' ? 'blue.9' : status === 'cancelled' || status === 'skipped' ? 'gray.7' : 'red.9';
  return (
    <Badge color={color} variant="outline" size="sm">
      {status}
    </Badge>
  );
}
