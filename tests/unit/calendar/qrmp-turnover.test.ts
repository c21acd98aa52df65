/** QRMP is open only up to ₹5 crore of turnover: the rule, on the profile a change would leave. */
import { QRMP_TURNOVER_RULE, frequencyAt, qrmpTurnoverProblem, withFrequencyChange, type ClientProfile } from '../../../domain/calendar';

const profile = (overrides: Partial<ClientProfile> = {}): ClientProfile => ({
  stateCode: '07', scheme: 'regular', filingFrequency: 'monthly', frequencyChanges: [], turnoverBand: null, targetBufferDays: null, ...overrides,
});

describe('the QRMP turnover rule', () => {
  it('refuses a regular quarterly filer above ₹5 crore and nothing else', () => {
    expect(qrmpTurnoverProblem(profile({ filingFrequency: 'quarterly', turnoverBand: 'above_5cr' }))).toBe(QRMP_TURNOVER_RULE);
    expect(QRMP_TURNOVER_RULE).toMatch(/₹5 crore/);
    for (const turnoverBand of ['up_to_2cr', '2cr_to_5cr', null] as const) expect(qrmpTurnoverProblem(profile({ filingFrequency: 'quarterly', turnoverBand }))).toBeNull();
    expect(qrmpTurnoverProblem(profile({ filingFrequency: 'monthly', turnoverBand: 'above_5cr' }))).toBeNull();
    expect(qrmpTurnoverProblem(profile({ scheme: 'composition', filingFrequency: 'quarterly', turnoverBand: 'above_5cr' }))).toBeNull();
  });

  it('reads the frequency a change leaves in force: the latest change decides, past quarters keep their history', () => {
    const grown = profile({ turnoverBand: 'above_5cr' });
    expect(qrmpTurnoverProblem(withFrequencyChange(grown, { frequency: 'quarterly', fromPeriod: '2026-04' }))).toBe(QRMP_TURNOVER_RULE);
    // Quarterly in a past year, monthly since: allowed, and the past quarter stays quarterly.
    const history = withFrequencyChange(withFrequencyChange(grown, { frequency: 'quarterly', fromPeriod: '2023-04' }), { frequency: 'monthly', fromPeriod: '2025-04' });
    expect(qrmpTurnoverProblem(history)).toBeNull();
    expect([frequencyAt(history, '2023-03'), frequencyAt(history, '2024-06'), frequencyAt(history, '2025-06')]).toEqual(['monthly', 'quarterly', 'monthly']);
  });

  it('records what a change replaces, in period order, and the latest frequency as the client\'s', () => {
    const once = withFrequencyChange(profile(), { frequency: 'quarterly', fromPeriod: '2025-07' });
    expect([once.filingFrequency, once.frequencyChanges]).toEqual(['quarterly', [{ fromPeriod: '2025-07', frequency: 'quarterly', previousFrequency: 'monthly' }]]);
    const earlier = withFrequencyChange(once, { frequency: 'quarterly', fromPeriod: '2024-04' });
    expect(earlier.filingFrequency).toBe('quarterly');
    expect(earlier.frequencyChanges.map((c) => c.fromPeriod)).toEqual(['2024-04', '2025-07']);
  });
});
