import {
  calendarEntries,
  calendarForState,
  deadlineFor,
  deadlineKey,
  deadlinesInWindow,
  deadlineStatus,
  extensionFor,
  financialYear,
  frequencyAt,
  frequencyChangeFrom,
  qrmpGroup,
  ruleApplies,
  type CalendarPolicy,
  type ClientProfile,
  type Extension,
  type ReturnType,
} from '../../../domain/calendar';
import { CALENDAR_RULES_009, nationalHolidays009 } from '../../../db/migrations/009-compliance-calendar';
import { STATE_CODES } from '../../../domain/gstin';

const NATIONAL = nationalHolidays009().map((h) => h.date);

function profile(overrides: Partial<ClientProfile> = {}): ClientProfile {
  return { stateCode: '27', scheme: 'regular', filingFrequency: 'monthly', frequencyChanges: [], turnoverBand: null, targetBufferDays: null, ...overrides };
}

function policy(stateCode: string, options: { extensions?: Extension[]; saturdaysWorking?: boolean; buffer?: number } = {}): CalendarPolicy {
  return {
    rules: CALENDAR_RULES_009,
    extensions: options.extensions ?? [],
    calendar: calendarForState(options.saturdaysWorking ?? true, NATIONAL, [], stateCode),
    targetBufferDays: options.buffer ?? 2,
  };
}

function due(p: ClientProfile, returnType: ReturnType, period: string, pol = policy(p.stateCode)): string | null {
  return deadlineFor(p, returnType, period, pol)?.dueDate ?? null;
}

const GROUP_A = ['27', '29', '33']; // Maharashtra, Karnataka, Tamil Nadu
const GROUP_B = ['07', '09', '19']; // Delhi, Uttar Pradesh, West Bengal

describe('QRMP state groups', () => {
  it('puts each state in its group', () => {
    for (const s of [...GROUP_A, '22', '23', '24', '26', '30', '31', '32', '34', '35', '36', '37']) expect([s, qrmpGroup(s)]).toEqual([s, 'A']);
    for (const s of [...GROUP_B, '01', '02', '03', '04', '05', '06', '08', '10', '11', '12', '13', '14', '15', '16', '17', '18', '20', '21', '38']) expect([s, qrmpGroup(s)]).toEqual([s, 'B']);
    expect(() => qrmpGroup('40')).toThrow(/state code/);
  });
});

describe('due dates of monthly filers', () => {
  it.each([...GROUP_A, ...GROUP_B])('state %s: GSTR-1 on the 11th, GSTR-3B on the 20th, no IFF', (stateCode) => {
    const p = profile({ stateCode });
    expect(due(p, 'GSTR-1', '2025-05')).toBe('2025-06-11');
    expect(due(p, 'GSTR-3B', '2025-05')).toBe('2025-06-20');
    expect(due(p, 'IFF', '2025-05')).toBeNull();
    expect(due(p, 'CMP-08', '2025-06')).toBeNull();
  });

  it('crosses the financial-year and calendar-year boundaries', () => {
    const p = profile();
    expect(due(p, 'GSTR-1', '2025-03')).toBe('2025-04-11'); // FY 2024-25's last month, due in FY 2025-26
    expect(due(p, 'GSTR-3B', '2025-03')).toBe('2025-04-20');
    expect(due(p, 'GSTR-3B', '2025-12')).toBe('2026-01-20');
    expect(financialYear('2025-03')).toBe('2024-25');
    expect(financialYear('2025-04')).toBe('2025-26');
    const april = deadlinesInWindow(p, '2025-04-01', '2025-04-30', policy('27')).map((d) => `${d.returnType} ${d.period} ${d.dueDate}`);
    expect(april).toEqual(['GSTR-1 2025-03 2025-04-11', 'GSTR-3B 2025-03 2025-04-20']);
  });

  it('lists annual returns by turnover band: GSTR-9 unless up to 2 crore, GSTR-9C above 5 crore', () => {
    expect(due(profile(), 'GSTR-9', '2025-03')).toBe('2025-12-31');
    expect(due(profile(), 'GSTR-9C', '2025-03')).toBeNull();
    expect(due(profile({ turnoverBand: 'up_to_2cr' }), 'GSTR-9', '2025-03')).toBeNull();
    expect(due(profile({ turnoverBand: 'above_5cr' }), 'GSTR-9C', '2025-03')).toBe('2025-12-31');
    expect(due(profile(), 'GSTR-9', '2025-06')).toBeNull(); // an annual period is the financial year's March
  });
});

describe('due dates of quarterly (QRMP) filers', () => {
  it.each(GROUP_A)('state %s (22nd group)', (stateCode) => {
    const p = profile({ stateCode, filingFrequency: 'quarterly' });
    expect(due(p, 'GSTR-3B', '2025-06')).toBe('2025-07-22');
    expect(due(p, 'GSTR-3B', '2025-12')).toBe('2026-01-22');
    expect(due(p, 'GSTR-3B', '2026-03')).toBe('2026-04-22');
    expect(due(p, 'GSTR-1', '2026-03')).toBe('2026-04-13');
  });

  it.each(GROUP_B)('state %s (24th group)', (stateCode) => {
    const p = profile({ stateCode, filingFrequency: 'quarterly' });
    expect(due(p, 'GSTR-3B', '2025-06')).toBe('2025-07-24');
    expect(due(p, 'GSTR-3B', '2025-12')).toBe('2026-01-24');
    expect(due(p, 'GSTR-3B', '2026-03')).toBe('2026-04-24');
    expect(due(p, 'GSTR-1', '2026-03')).toBe('2026-04-13');
  });

  it('has IFF for the first two months of a quarter and nothing monthly besides', () => {
    const p = profile({ filingFrequency: 'quarterly' });
    expect(due(p, 'IFF', '2025-04')).toBe('2025-05-13');
    expect(due(p, 'IFF', '2025-05')).toBe('2025-06-13');
    expect(due(p, 'IFF', '2025-06')).toBeNull();
    expect(due(p, 'IFF', '2026-01')).toBe('2026-02-13');
    expect(due(p, 'GSTR-3B', '2025-04')).toBeNull();
    expect(due(p, 'GSTR-1', '2025-05')).toBeNull();
    expect(due(p, 'GSTR-1', '2025-06')).toBe('2025-07-13');
  });

  it('follows the rules in force before QRMP for old periods', () => {
    const p = profile({ filingFrequency: 'quarterly' });
    expect(due(p, 'GSTR-1', '2019-06')).toBe('2019-07-31');
    expect(due(p, 'GSTR-3B', '2019-04')).toBe('2019-05-20');
    expect(due(p, 'IFF', '2019-04')).toBeNull();
  });
});

describe('composition dealers', () => {
  it.each([...GROUP_A, ...GROUP_B])('state %s: CMP-08 on the 18th after the quarter, GSTR-4 on 30 April, nothing else', (stateCode) => {
    const p = profile({ stateCode, scheme: 'composition', filingFrequency: 'quarterly' });
    expect(due(p, 'CMP-08', '2025-06')).toBe('2025-07-18');
    expect(due(p, 'CMP-08', '2026-03')).toBe('2026-04-18');
    expect(due(p, 'GSTR-4', '2025-03')).toBe('2025-04-30');
    expect(due(p, 'GSTR-4', '2026-03')).toBe('2026-04-30');
    for (const rt of ['GSTR-1', 'IFF', 'GSTR-3B', 'GSTR-9', 'GSTR-9C'] as ReturnType[]) expect(due(p, rt, '2026-03')).toBeNull();
    const april = deadlinesInWindow(p, '2026-04-01', '2026-04-30', policy(stateCode)).map((d) => `${d.returnType} ${d.period} ${d.dueDate}`);
    expect(april).toEqual(['CMP-08 2026-03 2026-04-18', 'GSTR-4 2026-03 2026-04-30']);
  });
});

describe('a change of filing frequency', () => {
  const movedToQuarterly = profile({ filingFrequency: 'quarterly', frequencyChanges: [{ fromPeriod: '2025-07', frequency: 'quarterly', previousFrequency: 'monthly' }] });

  it('gives the right returns on each side of the quarter it happens at', () => {
    expect(frequencyAt(movedToQuarterly, '2025-06')).toBe('monthly');
    expect(frequencyAt(movedToQuarterly, '2025-07')).toBe('quarterly');
    expect(due(movedToQuarterly, 'GSTR-1', '2025-06')).toBe('2025-07-11');
    expect(due(movedToQuarterly, 'GSTR-3B', '2025-06')).toBe('2025-07-20');
    expect(due(movedToQuarterly, 'IFF', '2025-07')).toBe('2025-08-13');
    expect(due(movedToQuarterly, 'GSTR-3B', '2025-07')).toBeNull();
    expect(due(movedToQuarterly, 'GSTR-3B', '2025-09')).toBe('2025-10-22');
    const window = deadlinesInWindow(movedToQuarterly, '2025-07-01', '2025-10-31', policy('27')).map((d) => `${d.returnType} ${d.period}`);
    expect(window).toEqual(['GSTR-1 2025-06', 'GSTR-3B 2025-06', 'IFF 2025-07', 'IFF 2025-08', 'GSTR-1 2025-09', 'GSTR-3B 2025-09']);
  });

  it('works the other way, and with a change still in the future', () => {
    const backToMonthly = profile({ filingFrequency: 'monthly', frequencyChanges: [{ fromPeriod: '2026-04', frequency: 'monthly', previousFrequency: 'quarterly' }] });
    expect(due(backToMonthly, 'GSTR-3B', '2026-03')).toBe('2026-04-22');
    expect(due(backToMonthly, 'GSTR-3B', '2026-04')).toBe('2026-05-20');
    expect(due(backToMonthly, 'GSTR-1', '2026-03')).toBe('2026-04-13');
  });
});

describe('extensions', () => {
  const ext = (overrides: Partial<Extension>): Extension => ({ id: 'e1', returnType: 'GSTR-3B', period: '2025-06', stateCodes: null, filingFrequency: null, dueDate: '2025-07-31', recordedAt: '2025-07-15T10:00:00.000Z', ...overrides });
  const monthly = (stateCode: string) => ({ stateCode, filingFrequency: 'monthly' as const, dueDate: '2025-07-20' });

  it('move the due date only in the states they name', () => {
    const extensions = [ext({ stateCodes: ['27', '09'], dueDate: '2025-07-30' })];
    const mh = deadlineFor(profile({ filingFrequency: 'quarterly' }), 'GSTR-3B', '2025-06', policy('27', { extensions }));
    const up = deadlineFor(profile({ stateCode: '09', filingFrequency: 'quarterly' }), 'GSTR-3B', '2025-06', policy('09', { extensions }));
    const ka = deadlineFor(profile({ stateCode: '29', filingFrequency: 'quarterly' }), 'GSTR-3B', '2025-06', policy('29', { extensions }));
    expect([mh?.dueDate, mh?.extendedDueDate, mh?.effectiveDueDate]).toEqual(['2025-07-22', '2025-07-30', '2025-07-30']);
    expect([up?.dueDate, up?.extendedDueDate]).toEqual(['2025-07-24', '2025-07-30']);
    expect([ka?.dueDate, ka?.extendedDueDate, ka?.effectiveDueDate]).toEqual(['2025-07-22', null, '2025-07-22']);
    expect(mh?.dueAt.toISOString()).toBe('2025-07-30T18:29:59.999Z');
  });

  it('do not touch another return or period, and the latest recorded wins', () => {
    const extensions = [
      ext({ id: 'a', dueDate: '2025-07-28', recordedAt: '2025-07-10T00:00:00.000Z' }),
      ext({ id: 'b', stateCodes: ['27'], dueDate: '2025-08-05', recordedAt: '2025-07-20T00:00:00.000Z' }),
      ext({ id: 'c', returnType: 'GSTR-1', dueDate: '2025-07-31' }),
    ];
    expect(extensionFor(extensions, 'GSTR-3B', '2025-06', monthly('27'))?.id).toBe('b');
    expect(extensionFor(extensions, 'GSTR-3B', '2025-06', monthly('29'))?.id).toBe('a');
    expect(extensionFor(extensions, 'GSTR-3B', '2025-09', monthly('27'))).toBeNull();
    const window = deadlinesInWindow(profile({ filingFrequency: 'quarterly' }), '2025-07-01', '2025-07-31', policy('27', { extensions }));
    // The 3B moved out of July; GSTR-1's extension applies to it.
    expect(window.map((d) => `${d.returnType} ${d.period} ${d.effectiveDueDate}`)).toEqual(['GSTR-1 2025-06 2025-07-31']);
  });

  it('move the target date with them', () => {
    const p = profile({ filingFrequency: 'quarterly' });
    expect(deadlineFor(p, 'GSTR-3B', '2025-06', policy('27'))?.targetDate).toBe('2025-07-19'); // Tue 22nd − 2 working days, Saturdays working
    expect(deadlineFor(p, 'GSTR-3B', '2025-06', policy('27', { saturdaysWorking: false }))?.targetDate).toBe('2025-07-18');
    expect(deadlineFor(p, 'GSTR-3B', '2025-06', policy('27', { extensions: [ext({ dueDate: '2025-07-31' })] }))?.targetDate).toBe('2025-07-29');
    expect(deadlineFor({ ...p, targetBufferDays: 5 }, 'GSTR-3B', '2025-06', policy('27', { saturdaysWorking: false }))?.targetDate).toBe('2025-07-15');
  });
});

describe('status', () => {
  it('is filed, overdue, due soon or upcoming', () => {
    expect(deadlineStatus('2025-07-20', true, '2025-08-01', 7)).toBe('filed');
    expect(deadlineStatus('2025-07-20', false, '2025-07-21', 7)).toBe('overdue');
    expect(deadlineStatus('2025-07-20', false, '2025-07-20', 7)).toBe('due_soon');
    expect(deadlineStatus('2025-07-20', false, '2025-07-13', 7)).toBe('due_soon');
    expect(deadlineStatus('2025-07-20', false, '2025-07-12', 7)).toBe('upcoming');
  });

  it('is computed per client in the calendar list, ordered by effective due date', () => {
    const clients = [
      { id: 'c1', name: 'Zeta', profile: profile() },
      { id: 'c2', name: 'Alpha', profile: profile({ stateCode: '09', filingFrequency: 'quarterly' }) },
    ];
    const entries = calendarEntries({
      clients,
      policyFor: (s) => policy(s),
      filings: new Map([[deadlineKey('c1', 'GSTR-1', '2025-06'), { filedOn: '2025-07-10', arn: 'AA270725000001A' }]]),
      from: '2025-07-01',
      to: '2025-07-31',
      today: '2025-07-15',
      warningDays: 7,
    });
    expect(entries.map((e) => `${e.effectiveDueDate} ${e.clientName} ${e.returnType} ${e.status}`)).toEqual([
      '2025-07-11 Zeta GSTR-1 filed',
      '2025-07-13 Alpha GSTR-1 overdue',
      '2025-07-20 Zeta GSTR-3B due_soon',
      '2025-07-24 Alpha GSTR-3B upcoming',
    ]);
    expect(entries[0]?.filing).toEqual({ filedOn: '2025-07-10', arn: 'AA270725000001A' });
  });
});

describe('the seeded rules table', () => {
  it('has at most one rule for any client, return and period, and the returns each kind of filer owes', () => {
    const problems: string[] = [];
    const profiles: ClientProfile[] = [];
    for (const stateCode of Object.keys(STATE_CODES)) {
      for (const filingFrequency of ['monthly', 'quarterly'] as const) {
        for (const scheme of ['regular', 'composition'] as const) profiles.push(profile({ stateCode, filingFrequency, scheme, turnoverBand: 'above_5cr' }));
      }
    }
    for (let year = 2021; year <= 2030; year += 1) {
      for (let month = 1; month <= 12; month += 1) {
        const period = `${year}-${String(month).padStart(2, '0')}`;
        for (const p of profiles) {
          const owed = new Set<string>();
          for (const returnType of ['GSTR-1', 'IFF', 'GSTR-3B', 'CMP-08', 'GSTR-4', 'GSTR-9', 'GSTR-9C'] as ReturnType[]) {
            const matching = CALENDAR_RULES_009.filter((r) => r.returnType === returnType && ruleApplies(r, p, period));
            if (matching.length > 1) problems.push(`${p.stateCode} ${p.scheme} ${p.filingFrequency} ${returnType} ${period}: ${matching.map((r) => r.id).join(', ')}`);
            if (matching.length) owed.add(returnType);
          }
          const quarterEnd = month % 3 === 0;
          const expected =
            p.scheme === 'composition'
              ? [...(quarterEnd ? ['CMP-08'] : []), ...(month === 3 ? ['GSTR-4'] : [])]
              : p.filingFrequency === 'monthly'
                ? ['GSTR-1', 'GSTR-3B', ...(month === 3 ? ['GSTR-9', 'GSTR-9C'] : [])]
                : [...(quarterEnd ? ['GSTR-1', 'GSTR-3B'] : ['IFF']), ...(month === 3 ? ['GSTR-9', 'GSTR-9C'] : [])];
          if ([...owed].sort().join() !== expected.sort().join()) problems.push(`${p.stateCode} ${p.scheme} ${p.filingFrequency} ${period}: owes ${[...owed].sort().join()} instead of ${expected.join()}`);
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });
});

describe('the quarter a frequency choice applies from', () => {
  it("is the current quarter in its first month, else the next one (across a year end)", () => {
    expect(frequencyChangeFrom('2025-07-31')).toBe('2025-07');
    expect(frequencyChangeFrom('2025-08-01')).toBe('2025-10');
    expect(frequencyChangeFrom('2025-12-04')).toBe('2026-01');
    expect(frequencyChangeFrom('2026-01-15')).toBe('2026-01');
    expect(frequencyChangeFrom('2026-03-31')).toBe('2026-04');
  });
});
