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
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, isCancellation, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DEFAULT_PLAN_POLICY, planNotice, planSteps, type PlanStep } from '../domain/notices';
import { calendarChangedSignal, NOTICE_ABSENT, noticeChangedSignal, noticeRefusal, noticeStatusQuery, stepUpdate, type NoticeFacts, type NoticeRefusalDetails, type NoticeWorkflowInput, type NoticeWorkflowResult, type StepArgs, type StepKind } from './notice-definitions';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export async function noticeWorkflow(input: NoticeWorkflowInput): Promise<NoticeWorkflowResult> {
  let facts: NoticeFacts = input.facts;
  let version = 0;
  let busy = false;
  const fired = new Set<string>(input.firedKeys ?? []);
  const scale = input.timeScale ? { originMs: Date.parse(input.facts.plan.intakeAt), factor: input.timeScale } : null;
  // A notice planned after its partner day escalates to the firm admins at once (domain/notices/plan.ts).
  // Runs recorded before that rule planned without it: the patch is asked only when the rule changes
  // the plan, so histories without such a notice replay untouched and those with one as they ran.
  let partnerWhenLate = false;
  const stepsOf = (late: boolean): PlanStep[] => planSteps(planNotice(facts.plan, { ...DEFAULT_PLAN_POLICY, partnerWhenLate: late }, scale)).filter((s) => !fired.has(s.key));
  const pending = (): PlanStep[] => stepsOf(partnerWhenLate);

  const refuse = (kind: StepKind, args: StepArgs) => {
    const refusal = noticeRefusal(kind, facts, args);
    // The state the refusal was judged on travels with it: the api's row may already be older or newer.
    // Only the failure's contents change (no command), so histories replay as they ran.
    const details: NoticeRefusalDetails = { state: facts.state };
    if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true, details: [details] });
  };

  // Signalled only by a calendar change or by another notice's re-linked reply: histories without
  // one never take the re-read branch of the loop below.
  let refresh = false;
  // From the signal until the re-read has returned, the facts are older than the notice (a reply may
  // just have left it): the validator leaves the judgement to the handler, which waits and checks then.
  let stale = false;
  /** Steps (updates) waiting for the notice: the reminder loop lets them go first. */
  let stepsWaiting = 0;
  const markChanged = () => {
    refresh = true;
    stale = true;
    version += 1;
  };
  const validate = (kind: StepKind, args: StepArgs) => {
    if (!stale) refuse(kind, args);
  };
  /**
   * Takes the notice for one step once no step runs and `ready` holds. Every waiting condition that
   * holds is released in the same pass, before any of them goes on: two steps freed by the same change
   * would both run. The one that finds the notice taken waits again, and the notice is taken here, in
   * the same synchronous run as that check (a caller's own continuation comes later). Only such a
   * collision asks the patch, so histories without one replay untouched, and those recorded before
   * this (which ran both) replay as they ran.
   */
  const take = async (ready: () => boolean): Promise<void> => {
    const free = () => !busy && ready();
    await condition(free);
    while (busy && patched('notice-steps-take-turns')) await condition(free);
    busy = true;
  };

  setHandler(
    stepUpdate,
    async (kind: StepKind, args: StepArgs) => {
      // Histories recorded before this waited for nothing but a running step. A closed notice re-reads
      // nothing more (its loop has ended): the step is refused at once below.
      const afterReread = stale && patched('notice-step-waits-for-reread');
      stepsWaiting += 1;
      try {
        await take(() => !(afterReread && stale && facts.state !== 'closed'));
      } finally {
        stepsWaiting -= 1;
      }
      try {
        refuse(kind, args); // again: another step may have changed the notice since the validator ran
        const result = await activities.noticeApplyStep({ firmId: input.firmId, noticeId: facts.noticeId, kind, ...args });
        facts = result.facts;
        version += 1;
        // A re-linked reply left another notice of the case: its workflow re-reads it (the change has
        // committed). Steps of earlier histories carry no such list, so they replay as they ran.
        for (const workflowId of result.changedWorkflows ?? []) await tellNoticeChanged(workflowId);
        return result;
      } finally {
        busy = false;
      }
    },
    { validator: validate },
  );

  setHandler(calendarChangedSignal, markChanged);
  setHandler(noticeChangedSignal, markChanged);

  // A query adds nothing to history: telling whether this run plans with the late rule replays as it ran.
  setHandler(noticeStatusQuery, () => ({ state: facts.state, firedKeys: [...fired], next: pending()[0] ?? null, facts, latePartner: partnerWhenLate }));

  /** Ends the workflow of a notice that is not there (once any step in flight has finished). */
  const absent = async (): Promise<NoticeWorkflowResult> => {
    await condition(allHandlersFinished);
    return { noticeId: facts.noticeId, state: NOTICE_ABSENT };
  };

  // The api starts this workflow inside the transaction that writes the notice: a first run makes
  // sure that committed (waiting out the commit grace) and ends if it never did, rather than waiting
  // for steps of a notice nobody can see. Runs handed over by continue-as-new, and histories recorded
  // before this, do not look.
  if (input.firedKeys === undefined && patched('notice-looks-for-its-row')) {
    busy = true;
    let exists: boolean;
    try {
      ({ exists } = await activities.noticeExists({ firmId: input.firmId, noticeId: facts.noticeId }));
    } finally {
      busy = false;
    }
    if (!exists) return absent();
  }

  while (facts.state !== 'closed') {
    if (refresh) {
      await take(() => true);
      try {
        refresh = false;
        facts = (await activities.noticeRefreshFacts({ firmId: input.firmId, noticeId: facts.noticeId })).facts;
        stale = refresh; // another change may have been signalled meanwhile: it is read next
        version += 1;
      } finally {
        busy = false;
      }
      continue;
    }
    const seen = version;
    if (!partnerWhenLate && stepsOf(true).length !== stepsOf(false).length) partnerWhenLate = patched('notice-late-partner-escalation');
    const next = pending()[0];
    if (!next) {
      await condition(() => version !== seen);
      continue;
    }
    const wait = Date.parse(next.at) - Date.now();
    if (wait > 0 && (await condition(() => version !== seen, wait))) continue;
    // A person's step goes before the reminders that are due: a backlog of them (after a worker
    // outage, or days that pass faster than a reminder is sent) would otherwise keep taking the
    // notice first, because this condition is met at once while a waiting step's is checked only
    // later in the activation. Histories recorded before this let the reminders go first. A change
    // (a step done, a signal to re-read) still goes round the loop at once: a step may be waiting
    // for that re-read, which only the loop runs.
    const stepsFirst = patched('notice-steps-before-reminders');
    await take(() => version !== seen || !(stepsFirst && stepsWaiting > 0));
    if (version !== seen) {
      busy = false; // a step changed the notice while we waited: plan again
      continue;
    }
    let gone = false;
    try {
      // A notice absent after the commit grace (a run started before the look above, or an erased
      // notice) has nothing more to remind of. Recorded results of earlier histories never say so.
      gone = (await activities.noticeFireStep({ firmId: input.firmId, noticeId: facts.noticeId, step: next })).absent === true;
      if (!gone) fired.add(next.key);
    } finally {
      busy = false;
    }
    if (gone) return absent();
    // A long-lived notice (months of reminders, hearings, adjournments) starts a fresh history,
    // carrying what it knows: the notice's facts and the steps already fired.
    const info = workflowInfo();
    if (info.continueAsNewSuggested || (input.historyLimit !== undefined && info.historyLength >= input.historyLimit)) {
      await condition(allHandlersFinished);
      // A calendar change (or another notice's re-linked reply) signalled during the step is not
      // carried: refresh the facts first, so the new run never plans from a replaced date (runs that
      // handed over before this keep their order).
      if (refresh && patched('notice-refresh-before-hand-over')) continue;
      await continueAsNew<typeof noticeWorkflow>({ ...input, facts, firedKeys: [...fired] });
    }
  }
  await condition(allHandlersFinished);
  return { noticeId: facts.noticeId, state: facts.state };
}

/** Tells another notice's workflow that its notice changed; one that has ended (a closed notice) has nothing to re-read. */
async function tellNoticeChanged(workflowId: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(noticeChangedSignal);
  } catch (error) {
    // Not found: that notice's workflow has ended, and a closed notice takes no change.
    if (isCancellation(error)) throw error;
  }
}
