/**
 * The plan as the notice's workflow run will walk it. `planNotice` escalates a notice planned after its
 * partner day to the firm admins at once; a run recorded before that rule (workflows/notice.ts, patch
 * `notice-late-partner-escalation`) plans without it until it next runs live, and then sends that
 * step at once. So for such a run the step is shown at the instant of the step the run waits for, or,
 * when it waits for none, left out: the run adds it at the notice's next change, if still late then.
 * Only a notice whose plan the rule changes asks its run; every other notice is shown as computed.
 */
import { istIso } from '../../domain/calendar';
import { DEFAULT_PLAN_POLICY, planNotice, type PlanFacts, type TimeScale } from '../../domain/notices';
import type { NoticeView } from '../../db/notices';
import { noticeStatusQuery, type NoticeStatus } from '../../workflows/notice-definitions';
import type { TemporalHandle } from '../temporal-client';
import { presentNotice, timeScaleOf, type PresentedNotice } from './present';

/** A read waits this long for the run's answer, then shows the plan as computed (a run with the rule). */
const RUN_ANSWER_MS = 3_000;

/** The key of the step the late rule adds to a notice's plan and that has not fired, if any. */
export function latePartnerKey(plan: PlanFacts, firedKeys: ReadonlySet<string>, scale: TimeScale): string | null {
  const without = new Set(planNotice(plan, { ...DEFAULT_PLAN_POLICY, partnerWhenLate: false }, scale).escalations.map((s) => s.key));
  return planNotice(plan, DEFAULT_PLAN_POLICY, scale).escalations.find((s) => !without.has(s.key) && !firedKeys.has(s.key))?.key ?? null;
}

/** The escalations as a run that plans without the late rule will send them (`status` is its answer). */
export function escalationsAsRun(escalations: PresentedNotice['escalations'], key: string, status: Pick<NoticeStatus, 'latePartner' | 'next'>): PresentedNotice['escalations'] {
  if (status.latePartner !== false) return escalations;
  const next = status.next;
  if (!next) return escalations.filter((s) => s.key !== key);
  return escalations.map((s) => (s.key === key ? { ...s, at: istIso(new Date(next.at)) } : s)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.key.localeCompare(b.key));
}

/** `presentNotice`, with the plan as the notice's run will walk it. */
export async function presentAsRun(temporal: TemporalHandle, view: NoticeView): Promise<PresentedNotice> {
  const notice = presentNotice(view);
  const key = latePartnerKey(view.plan, view.firedKeys, timeScaleOf(view.row));
  if (!key) return notice;
  let status: NoticeStatus;
  try {
    status = await temporal.client.withAbortSignal(AbortSignal.timeout(RUN_ANSWER_MS), () => temporal.client.workflow.getHandle(view.row.workflow_id).query(noticeStatusQuery));
  } catch {
    return notice; // no answer (no worker): shown as computed, the plan of every run since the rule
  }
  return { ...notice, escalations: escalationsAsRun(notice.escalations, key, status) };
}
