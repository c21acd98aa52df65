/** The pure rules of period close: period keys, transitions, cut-off, canonical JSON, four-eyes. */
import Koa from 'koa';
import { errorHandler } from '../../../api/middleware/error-handler';
import { canonicalJson, canTransition, correctionCutoff, correctionCutoffWith, financialYearPeriod, periodProblem, quarterEnd, stateAfterUnapprovedRequest } from '../../../domain/periods';
import { refusalFor, type CloseActor } from '../../../workflows/period-close-definitions';
import { bodyOf, serve } from '../../harness/http';
import { captureLogger } from '../../harness/logs';

const requester: CloseActor = { userId: 'u-staff', email: 'staff@firm.test', role: 'staff' };
const manager: CloseActor = { userId: 'u-manager', email: 'manager@firm.test', role: 'manager' };

describe('periods', () => {
  it('accepts YYYY-MM, and only quarter-end months for quarterly filers', () => {
    expect(periodProblem('2025-06', 'quarterly')).toBeNull();
    expect(periodProblem('2025-05', 'quarterly')).toBe('not_quarter_end');
    expect(periodProblem('2025-05', 'monthly')).toBeNull();
    expect(periodProblem('2025-13', 'monthly')).toBe('format');
    expect(periodProblem('2025-6', 'monthly')).toBe('format');
    expect(['2025-04', '2025-05', '2025-06', '2025-12', '2026-01'].map(quarterEnd)).toEqual(['2025-06', '2025-06', '2025-06', '2025-12', '2026-03']);
  });

  it('allows exactly the transitions of docs/period-close.md', () => {
    expect(canTransition('open', 'close_requested')).toBe(true);
    expect(canTransition('close_requested', 'closed')).toBe(true);
    expect(canTransition('closed', 'reopened')).toBe(true);
    expect(canTransition('reopened', 'close_requested')).toBe(true);
    expect(canTransition('open', 'closed')).toBe(false);
    expect(canTransition('closed', 'open')).toBe(false);
    expect(stateAfterUnapprovedRequest(0)).toBe('open');
    expect(stateAfterUnapprovedRequest(2)).toBe('reopened');
  });

  it('puts the correction cut-off at the end of 30 November (IST) after the financial year', () => {
    expect(correctionCutoff('2025-06').toISOString()).toBe('2026-11-30T18:29:59.999Z');
    expect(correctionCutoff('2026-03').toISOString()).toBe('2026-11-30T18:29:59.999Z');
    expect(correctionCutoff('2026-04').toISOString()).toBe('2027-11-30T18:29:59.999Z');
  });

  it("ends a year's corrections at its annual return's filing when that comes before 30 November", () => {
    expect(financialYearPeriod('2025-06')).toBe('2026-03');
    expect(financialYearPeriod('2026-03')).toBe('2026-03');
    expect(financialYearPeriod('2026-04')).toBe('2027-03');
    // GSTR-9 of 2025-26 filed on 15 October 2026: corrections end as that day begins (IST).
    expect(correctionCutoffWith('2025-06', { returnType: 'GSTR-9', filedOn: '2026-10-15' })).toEqual({ at: new Date('2026-10-14T18:30:00.000Z'), annualReturn: { returnType: 'GSTR-9', filedOn: '2026-10-15' } });
    // Filed late (after 30 November): the November cut-off stays the earlier one.
    expect(correctionCutoffWith('2025-06', { returnType: 'GSTR-9', filedOn: '2026-12-20' })).toEqual({ at: correctionCutoff('2025-06'), annualReturn: null });
    expect(correctionCutoffWith('2025-06', null)).toEqual({ at: correctionCutoff('2025-06'), annualReturn: null });
  });

  it('writes canonical JSON whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });
});

describe('four-eyes rules of the close workflow', () => {
  it('lets a different manager approve or reject', () => {
    expect(refusalFor('approve', 'pending', requester, { actor: manager })).toBeNull();
    expect(refusalFor('reject', 'pending', requester, { actor: manager, note: 'why' })).toBeNull();
  });

  it('refuses the requester, whatever their role, unless self-approval is on and a note is given', () => {
    const self = { ...manager, userId: requester.userId };
    expect(refusalFor('approve', 'pending', requester, { actor: self })?.type).toBe('self_approval_forbidden');
    expect(refusalFor('approve', 'pending', requester, { actor: self, allowSelfApproval: true })?.type).toBe('note_required');
    expect(refusalFor('approve', 'pending', requester, { actor: self, allowSelfApproval: true, note: 'alone' })).toBeNull();
    expect(refusalFor('reject', 'pending', requester, { actor: self, allowSelfApproval: true, note: 'x' })?.type).toBe('self_approval_forbidden');
  });

  it('refuses staff, reviewers and clients as approvers; staff withdraw only their own', () => {
    for (const role of ['staff', 'reviewer', 'client']) {
      expect(refusalFor('approve', 'pending', requester, { actor: { ...manager, role } })?.type).toBe('forbidden');
    }
    expect(refusalFor('withdraw', 'pending', requester, { actor: requester })).toBeNull();
    expect(refusalFor('withdraw', 'pending', requester, { actor: { ...requester, userId: 'other' } })?.type).toBe('forbidden');
    expect(refusalFor('withdraw', 'pending', requester, { actor: manager })).toBeNull();
  });

  it('needs a reason to reject and a pending request for anything', () => {
    expect(refusalFor('reject', 'pending', requester, { actor: manager, note: '  ' })?.type).toBe('reason_required');
    expect(refusalFor('approve', 'deciding', requester, { actor: manager })?.type).toBe('not_pending');
    expect(refusalFor('approve', 'approved', requester, { actor: manager })?.type).toBe('not_pending');
  });
});

describe('error handler and the database lock', () => {
  it('maps the trigger exception to 422 period_closed, also with the SQL prefix knex adds', async () => {
    for (const message of ['period_closed: period 2025-06 is closed', 'insert into "imports" ("x") values ($1) - period_closed: period 2025-06 is closed']) {
      const app = new Koa();
      app.silent = true;
      app.use(errorHandler({ logger: captureLogger().logger, exposeInternalErrors: false }));
      app.use(() => {
        throw Object.assign(new Error(message), { nativeError: { message } });
      });
      const server = await serve(app);
      const res = await fetch(server.url);
      await server.close();
      expect(res.status).toBe(422);
      expect(((await bodyOf(res)) as { error: { code: string } }).error.code).toBe('period_closed');
    }
  });
});
