/**
 * One GST notice from intake to closing (docs/notices.md). Human steps are one update whose validator
 * applies the notice's rules (role, four-eyes, state, due date known, adjournment limit), so a refused
 * step leaves nothing in history; an activity then writes the step to the database with its audit
 * rows, as the person who took it, and hands back the notice's facts.
 *
 * Between steps the workflow sleeps until the next step of the plan that `planNotice` computes from
 * those facts (the same function the api shows), waking early whenever a step changes them: an
 * extension or a new date replaces the plan, and the old date's steps, whose keys name it, are gone.
 * Steps are serialised: a reminder and a human step never run at the same time.
 */
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { planNotice, planSteps, type PlanStep } from '../domain/notices';
import { calendarChangedSignal, noticeRefusal, noticeStatusQuery, stepUpdate, type NoticeFacts, type NoticeWorkflowInput, type StepArgs, type StepKind } from './notice-definitions';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export async function noticeWorkflow(input: NoticeWorkflowInput): Promise<{ noticeId: string; state: string }> {
  let facts: NoticeFacts = input.facts;
  let version = 0;
  let busy = false;
  const fired = new Set<string>(input.firedKeys ?? []);
  const scale = input.timeScale ? { originMs: Date.parse(input.facts.plan.intakeAt), factor: input.timeScale } : null;
  const pending = (): PlanStep[] => planSteps(planNotice(facts.plan, undefined, scale)).filter((s) => !fired.has(s.key));

  const refuse = (kind: StepKind, args: StepArgs) => {
    const refusal = noticeRefusal(kind, facts, args);
    if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
  };

  setHandler(
    stepUpdate,
    async (kind: StepKind, args: StepArgs) => {
      await condition(() => !busy);
      busy = true;
      try {
        refuse(kind, args); // again: another step may have changed the notice since the validator ran
        const result = await activities.noticeApplyStep({ firmId: input.firmId, noticeId: facts.noticeId, kind, ...args });
        facts = result.facts;
        version += 1;
        return result;
      } finally {
        busy = false;
      }
    },
    { validator: refuse },
  );

  // Signalled only by a calendar change: histories without one never take the branch below.
  let refresh = false;
  setHandler(calendarChangedSignal, () => {
    refresh = true;
    version += 1;
  });

  setHandler(noticeStatusQuery, () => ({ state: facts.state, firedKeys: [...fired], next: pending()[0] ?? null, facts }));

  while (facts.state !== 'closed') {
    if (refresh) {
      await condition(() => !busy);
      busy = true;
      try {
        refresh = false;
        facts = (await activities.noticeRefreshFacts({ firmId: input.firmId, noticeId: facts.noticeId })).facts;
        version += 1;
      } finally {
        busy = false;
      }
      continue;
    }
    const seen = version;
    const next = pending()[0];
    if (!next) {
      await condition(() => version !== seen);
      continue;
    }
    const wait = Date.parse(next.at) - Date.now();
    if (wait > 0 && (await condition(() => version !== seen, wait))) continue;
    await condition(() => !busy);
    if (version !== seen) continue; // a step changed the notice while we waited: plan again
    busy = true;
    try {
      await activities.noticeFireStep({ firmId: input.firmId, noticeId: facts.noticeId, step: next });
      fired.add(next.key);
    } finally {
      busy = false;
    }
    // A long-lived notice (months of reminders, hearings, adjournments) starts a fresh history,
    // carrying what it knows: the notice's facts and the steps already fired.
    const info = workflowInfo();
    if (info.continueAsNewSuggested || (input.historyLimit !== undefined && info.historyLength >= input.historyLimit)) {
      await condition(allHandlersFinished);
      // A calendar change signalled during the step is not carried: refresh the facts first, so the
      // new run never plans from a replaced date (runs that handed over before this keep their order).
      if (refresh && patched('notice-refresh-before-hand-over')) continue;
      await continueAsNew<typeof noticeWorkflow>({ ...input, facts, firedKeys: [...fired] });
    }
  }
  await condition(allHandlersFinished);
  return { noticeId: facts.noticeId, state: facts.state };
}
