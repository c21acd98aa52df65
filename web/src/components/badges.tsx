import { Badge } from '@mantine/core';
import { CATEGORY_LABELS } from '../../../domain/recon/labels';
import type { Category, PeriodState, Run } from '../http/types';

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
