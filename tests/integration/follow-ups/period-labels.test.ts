/**
 * A follow-up names the return period it feeds as the compliance calendar does (docs/follow-ups.md,
 * "Periods"), by the cadence of the client's rule: the same GSTR-3B key is a month for a monthly filer
 * and a quarter of the financial year for a QRMP filer; GSTR-9's is a financial year. The create
 * answer, the list (the firm's and the client's own user's) and the detail carry `periodLabel`; an
 * item of the deadline's period reads as the deadline, another item as its month. Real stack.
 */
import { randomBytes } from 'node:crypto';
import { call } from '../../harness/api';
import { validGstin } from '../../harness/factories';
import { waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, endLiveFollowUps, inDays, linkTokenIn, startStack, type Stack } from './helpers';

// Written out rather than computed, so the test does not share the code it checks.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const QUARTERS: Record<number, string> = { 3: 'Q4', 6: 'Q1', 9: 'Q2', 12: 'Q3' };
const QUARTER_MONTHS: Record<number, string> = { 3: 'Jan–Mar', 6: 'Apr–Jun', 9: 'Jul–Sep', 12: 'Oct–Dec' };

const key = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}`;
const fy = (year: number, month: number) => (month >= 4 ? `${year}-${String((year + 1) % 100).padStart(2, '0')}` : `${year - 1}-${String(year % 100).padStart(2, '0')}`);

describe('follow-ups name their period as the calendar does', () => {
  let stack: Stack;
  let qrmpClient: string;
  beforeAll(async () => {
    stack = await startStack({ dayMs: 12_000 });
    const created = await call(stack.api, 'POST', '/api/clients', { token: stack.tokens.staff, body: { name: 'Quarterly Traders', gstin: validGstin('27'), email: `quarterly-${randomBytes(4).toString('hex')}@example.test`, filingFrequency: 'quarterly' } });
    expect(created.status).toBe(201);
    qrmpClient = created.body.id;
  });
  afterEach(async () => {
    await endLiveFollowUps(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  // Today in India; the quarter it is in ends in `quarterEnd` (its GSTR-3B falls due next month, ahead
  // of today whatever the day); the financial year it is in ends in March of `fyEndYear`.
  const ist = new Date(Date.now() + 330 * 60_000);
  const year = ist.getUTCFullYear();
  const month = ist.getUTCMonth() + 1;
  const quarterEndMonth = Math.ceil(month / 3) * 3;
  const quarterEnd = key(year, quarterEndMonth);
  const otherMonth = key(year, quarterEndMonth - 1); // a month of the same quarter that is not its last
  // The quarter before: its last month is a QRMP filer's period of its own, whichever deadline the request feeds.
  const [lastYear, lastMonth] = quarterEndMonth === 3 ? [year - 1, 12] : [year, quarterEndMonth - 3];
  const lastQuarterEnd = key(lastYear, lastMonth);
  const fyEndYear = month >= 4 ? year + 1 : year;
  const monthlyClient = () => stack.firm.clients[0]!.id;

  const read = async (id: string, role = 'staff') => call(stack.api, 'GET', `/api/follow-ups/${id}`, { token: stack.tokens[role] });
  const listed = async (clientId: string, id: string, role = 'staff') => {
    const list = await call(stack.api, 'GET', `/api/follow-ups?clientId=${clientId}&limit=100`, { token: stack.tokens[role] });
    expect(list.status).toBe(200);
    return (list.body.items as Array<{ id: string; periodLabel: string | null }>).find((i) => i.id === id)?.periodLabel;
  };

  it('labels the same GSTR-3B key a month for a monthly filer and a quarter for a QRMP filer', async () => {
    const items = [
      { description: 'Sales register', period: quarterEnd },
      { description: 'Bank statement', period: otherMonth },
      { description: 'Anything else' },
      { description: 'Last quarter’s 2B', period: lastQuarterEnd },
    ];
    const monthly = await createFollowUp(stack, monthlyClient(), { title: '3B monthly', deadline: { returnType: 'GSTR-3B', period: quarterEnd }, items });
    const quarterly = await createFollowUp(stack, qrmpClient, { title: '3B quarterly', deadline: { returnType: 'GSTR-3B', period: quarterEnd }, items });
    expect([monthly.status, quarterly.status]).toEqual([201, 201]);

    const monthLabel = `${MONTHS[quarterEndMonth - 1]} ${year}`;
    const quarterLabel = `${QUARTERS[quarterEndMonth]} FY ${fy(year, quarterEndMonth)} (${QUARTER_MONTHS[quarterEndMonth]} ${year})`;
    const otherLabel = `${MONTHS[Number(otherMonth.slice(5)) - 1]} ${otherMonth.slice(0, 4)}`;
    const lastMonthLabel = `${MONTHS[lastMonth - 1]} ${lastYear}`;
    const lastQuarterLabel = `${QUARTERS[lastMonth]} FY ${fy(lastYear, lastMonth)} (${QUARTER_MONTHS[lastMonth]} ${lastYear})`;
    const shown = (body: { deadline: { period: string }; periodLabel: string; items: Array<{ description: string; periodLabel: string | null }> }) => ({
      key: body.deadline.period,
      label: body.periodLabel,
      items: body.items.map((i) => `${i.description}: ${i.periodLabel}`),
    });
    // The create answer and the detail agree; the key stays as it was given.
    for (const body of [monthly.body, (await read(monthly.body.id)).body]) {
      expect(shown(body)).toEqual({ key: quarterEnd, label: monthLabel, items: [`Sales register: ${monthLabel}`, `Bank statement: ${otherLabel}`, 'Anything else: null', `Last quarter’s 2B: ${lastMonthLabel}`] });
    }
    for (const body of [quarterly.body, (await read(quarterly.body.id)).body]) {
      // Another quarter's last month is that quarter for a QRMP filer, not the month (the client's frequency in force decides, not the deadline).
      expect(shown(body)).toEqual({ key: quarterEnd, label: quarterLabel, items: [`Sales register: ${quarterLabel}`, `Bank statement: ${otherLabel}`, 'Anything else: null', `Last quarter’s 2B: ${lastQuarterLabel}`] });
    }
    expect(await listed(monthlyClient(), monthly.body.id)).toBe(monthLabel);
    expect(await listed(qrmpClient, quarterly.body.id)).toBe(quarterLabel);

    // The client's email and link page: the quarter's item reads as the quarter, another item as its month written out.
    const otherName = `${MONTH_NAMES[Number(otherMonth.slice(5)) - 1]} ${otherMonth.slice(0, 4)}`;
    const [qrmpFirst] = await waitForCaught(await clientEmail(stack, qrmpClient), 1, 120_000);
    const { token, text } = await linkTokenIn(qrmpFirst!);
    expect(text).toContain(`Sales register — ${quarterLabel}`);
    expect(text).toContain(`Bank statement — ${otherName}`);
    expect(text).toContain(`Last quarter’s 2B — ${lastQuarterLabel}`);
    const page = await call(stack.api, 'GET', `/api/requests/${token}`);
    // The link's page says which return the documents feed, by the quarter's label.
    expect({ deadline: page.body.deadline, periodLabel: page.body.periodLabel }).toEqual({ deadline: { returnType: 'GSTR-3B', period: quarterEnd }, periodLabel: quarterLabel });
    expect(page.body.items.map((i: { description: string; periodText?: string }) => `${i.description}: ${i.periodText}`)).toEqual([`Sales register: ${quarterLabel}`, `Bank statement: ${otherName}`, 'Anything else: undefined', `Last quarter’s 2B: ${lastQuarterLabel}`]);
    // A monthly filer's item of the same key stays its month, written out as ever.
    const [monthlyFirst] = await waitForCaught(await clientEmail(stack, monthlyClient()), 1, 120_000);
    const monthlyText = (await linkTokenIn(monthlyFirst!)).text;
    expect(monthlyText).toContain(`Sales register — ${MONTH_NAMES[quarterEndMonth - 1]} ${year}`);
    expect(monthlyText).toContain(`Last quarter’s 2B — ${MONTH_NAMES[lastMonth - 1]} ${lastYear}`);
  });

  it('labels an annual return by its financial year, for the firm and for the client’s own user; none without a deadline', async () => {
    const period = key(fyEndYear, 3);
    const annual = await createFollowUp(stack, monthlyClient(), { title: 'Annual return', deadline: { returnType: 'GSTR-9', period }, items: [{ description: 'Audited accounts', period }] });
    expect(annual.status).toBe(201);
    const fyLabel = `FY ${fyEndYear - 1}-${String(fyEndYear % 100).padStart(2, '0')}`;
    expect([annual.body.periodLabel, annual.body.items[0].periodLabel]).toEqual([fyLabel, fyLabel]);
    expect(await listed(monthlyClient(), annual.body.id, 'manager')).toBe(fyLabel);
    // The client's own user reads the same label (their view drops the firm's workings, not this).
    expect(await listed(monthlyClient(), annual.body.id, 'client')).toBe(fyLabel);
    expect((await read(annual.body.id, 'client')).body.periodLabel).toBe(fyLabel);

    const dated = await createFollowUp(stack, monthlyClient(), { title: 'By a date', dueDate: inDays(20), items: [{ description: 'Stock statement', period: otherMonth }] });
    expect(dated.status).toBe(201);
    expect([dated.body.periodLabel, dated.body.items[0].periodLabel]).toEqual([null, `${MONTHS[Number(otherMonth.slice(5)) - 1]} ${otherMonth.slice(0, 4)}`]);
    expect(await listed(monthlyClient(), dated.body.id)).toBeNull();
  });
});
