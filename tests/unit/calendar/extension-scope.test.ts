/**
 * Extensions scoped by filing frequency, and never earlier than a client's statutory date: GSTR-3B
 * for `2024-12` is December for a monthly filer and October–December for a QRMP filer, and
 * notification 02/2025 gave them different dates (monthly to the 22nd; QRMP to the 24th or the 26th
 * by state group).
 */
import {
  calendarForState,
  deadlineFor,
  deadlineStatus,
  extensionFor,
  extensionReach,
  statutoryDueDate,
  type CalendarPolicy,
  type ClientProfile,
  type Extension,
} from '../../../domain/calendar';
import { CALENDAR_RULES_009 } from '../../../db/migrations/009-compliance-calendar';

const profile = (stateCode: string, filingFrequency: 'monthly' | 'quarterly', overrides: Partial<ClientProfile> = {}): ClientProfile => ({
  stateCode, scheme: 'regular', filingFrequency, frequencyChanges: [], turnoverBand: null, targetBufferDays: null, ...overrides,
});
const policy = (extensions: Extension[]): CalendarPolicy => ({ rules: CALENDAR_RULES_009, extensions, calendar: calendarForState(true, [], [], '07'), targetBufferDays: 2 });
let seq = 0;
const ext = (overrides: Partial<Extension>): Extension => {
  seq += 1;
  return { id: `e${seq}`, returnType: 'GSTR-3B', period: '2024-12', stateCodes: null, filingFrequency: null, dueDate: '2025-01-22', recordedAt: `2025-01-${String(10 + seq).padStart(2, '0')}T00:00:00.000Z`, ...overrides };
};
const dates = (p: ClientProfile, extensions: Extension[]) => {
  const d = deadlineFor(p, 'GSTR-3B', '2024-12', policy(extensions));
  return [d?.dueDate, d?.extendedDueDate, d?.effectiveDueDate];
};

const DELHI = '07'; // QRMP group B: the 24th
const MAHARASHTRA = '27'; // QRMP group A: the 22nd

describe('an extension for every filer dated before a QRMP filer\'s own due date', () => {
  const extensions = [ext({ dueDate: '2025-01-22' })];

  it('moves the monthly filers and leaves the QRMP filer at its statutory date (it does not apply to it)', () => {
    expect(dates(profile(DELHI, 'monthly'), extensions)).toEqual(['2025-01-20', '2025-01-22', '2025-01-22']);
    expect(dates(profile(DELHI, 'quarterly'), extensions)).toEqual(['2025-01-24', null, '2025-01-24']);
    // Equal to the statutory date it applies, and changes nothing.
    expect(dates(profile(MAHARASHTRA, 'quarterly'), extensions)).toEqual(['2025-01-22', '2025-01-22', '2025-01-22']);
    // So the QRMP filer is not overdue on the 23rd.
    expect(deadlineStatus('2025-01-24', false, '2025-01-23', 7)).toBe('due_soon');
  });

  it('never moves any client earlier than its statutory date, whatever the date, state or frequency', () => {
    for (const stateCode of [DELHI, MAHARASHTRA, '09', '29']) {
      for (const frequency of ['monthly', 'quarterly'] as const) {
        for (const day of ['15', '19', '20', '21', '22', '23', '24', '25']) {
          const p = profile(stateCode, frequency);
          const d = deadlineFor(p, 'GSTR-3B', '2024-12', policy([ext({ dueDate: `2025-01-${day}` })]));
          expect([stateCode, frequency, day, d !== null && d.effectiveDueDate >= d.dueDate]).toEqual([stateCode, frequency, day, true]);
        }
      }
    }
  });
});

describe('notification 02/2025 recorded as three extensions', () => {
  const GROUP_A = ['22', '23', '24', '26', '27', '29', '30', '31', '32', '33', '34', '35', '36', '37'];
  const GROUP_B = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '21', '38'];
  const extensions = [
    ext({ filingFrequency: 'monthly', dueDate: '2025-01-22' }),
    ext({ filingFrequency: 'quarterly', stateCodes: GROUP_A, dueDate: '2025-01-24' }),
    ext({ filingFrequency: 'quarterly', stateCodes: GROUP_B, dueDate: '2025-01-26' }),
  ];

  it('gives each filer its own date', () => {
    expect(dates(profile(DELHI, 'monthly'), extensions)).toEqual(['2025-01-20', '2025-01-22', '2025-01-22']);
    expect(dates(profile(DELHI, 'quarterly'), extensions)).toEqual(['2025-01-24', '2025-01-26', '2025-01-26']);
    expect(dates(profile(MAHARASHTRA, 'monthly'), extensions)).toEqual(['2025-01-20', '2025-01-22', '2025-01-22']);
    expect(dates(profile(MAHARASHTRA, 'quarterly'), extensions)).toEqual(['2025-01-22', '2025-01-24', '2025-01-24']);
  });

  it('is not undone by a later extension for every filer that does not apply to the QRMP filers', () => {
    const later = [...extensions, ext({ dueDate: '2025-01-23' })];
    expect(dates(profile(DELHI, 'quarterly'), later)).toEqual(['2025-01-24', '2025-01-26', '2025-01-26']);
    expect(dates(profile(DELHI, 'monthly'), later)).toEqual(['2025-01-20', '2025-01-23', '2025-01-23']);
  });

  it('follows the frequency in force for the period, not the one today', () => {
    // Quarterly until March 2025, monthly from April: the December quarter is a QRMP one.
    const movedToMonthly = profile(DELHI, 'monthly', { frequencyChanges: [{ fromPeriod: '2025-04', frequency: 'monthly', previousFrequency: 'quarterly' }] });
    expect(dates(movedToMonthly, extensions)).toEqual(['2025-01-24', '2025-01-26', '2025-01-26']);
    expect(extensionFor(extensions, 'GSTR-3B', '2024-12', { stateCode: DELHI, filingFrequency: 'monthly', dueDate: '2025-01-20' })?.dueDate).toBe('2025-01-22');
  });
});

describe('extensionReach', () => {
  const clients = [profile(DELHI, 'monthly'), profile(DELHI, 'quarterly'), profile(MAHARASHTRA, 'quarterly'), profile(MAHARASHTRA, 'monthly', { scheme: 'composition' })];

  it('counts the clients an extension moves and those it names but does not apply to', () => {
    expect(extensionReach(ext({ dueDate: '2025-01-22' }), clients, CALENDAR_RULES_009)).toEqual({ affected: 2, notApplied: 1 });
    expect(extensionReach(ext({ dueDate: '2025-01-22', filingFrequency: 'monthly' }), clients, CALENDAR_RULES_009)).toEqual({ affected: 1, notApplied: 0 });
    expect(extensionReach(ext({ dueDate: '2025-01-26', filingFrequency: 'quarterly', stateCodes: [DELHI] }), clients, CALENDAR_RULES_009)).toEqual({ affected: 1, notApplied: 0 });
    expect(statutoryDueDate(clients[3]!, 'GSTR-3B', '2024-12', CALENDAR_RULES_009)).toBeNull();
  });
});
